import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import { createCore, type Core } from '../../src/core/create-core';
import { LABEL_AGENT, LABEL_IDENTITY, LABEL_INSTANCE, LABEL_MANAGED } from '../../src/core/engine/bottle-containers';
import { EngineClient } from '../../src/core/engine/engine-client';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { rawDocker } from '../helpers/raw-docker';
import { writeTestAgent } from '../helpers/test-agents';

/** An agent that says hello, then keeps an interactive shell on its TTY (input echoes into its output). */
const INTERACTIVE = ['echo "hello from the agent"', 'exec sh -i'].join('\n');

const env = useBottleTestEnv();
let core: Core | null = null;
const events: AppEvent[] = [];
beforeEach(async () => {
  await writeTestAgent({ name: 'interactive', script: INTERACTIVE });
  events.length = 0;
});
afterEach(async () => {
  vi.restoreAllMocks();
  await core?.close();
  core = null;
});

/** Everything a Logs tab opened with these arguments receives, once its (unfollowed) log ends. */
async function logOf(app: Core, identity: string, containerId?: string): Promise<string> {
  const { streamId } = await app.logs.open({ identity, tail: 100, follow: false, ...(containerId === undefined ? {} : { containerId }) });
  await eventually(async () => expect(events.some((event) => event.type === 'log-end' && event.streamId === streamId)).toBe(true));
  return events.flatMap((event) => (event.type === 'log-data' && event.streamId === streamId ? [event.data] : [])).join('');
}

describe.skipIf(skipWithoutDocker)('a Logs tab reads the container its window shows', () => {
  it('reads it without a lookup when it is the bottle’s, and never another container’s log under this bottle', async () => {
    const app = createCore({ live: true });
    core = app;
    app.subscribe((event) => events.push(event));
    const mine = await app.bottles.start({ agent: 'interactive', cwd: env.project(), copy: false });
    const other = await app.bottles.start({ agent: 'interactive', cwd: env.project(), copy: false });
    const terminal = await app.terminals.open(other.identity, 80, 24);
    await app.terminals.input(terminal.sessionId, 'echo only-in-the-other-$((2*3))\n');
    const otherId = (await (await bottleContainer(other.identity)).inspect()).Id;
    await eventually(async () => expect(await logOf(app, other.identity, otherId)).toContain('only-in-the-other-6'));
    const mineId = (await (await bottleContainer(mine.identity)).inspect()).Id;
    await eventually(async () => expect(await logOf(app, mine.identity)).toContain('hello from the agent'));

    // The bottle's own container: read at once, with no listing of the engine's containers.
    const listings: string[] = [];
    const list = EngineClient.prototype.listContainers;
    vi.spyOn(EngineClient.prototype, 'listContainers').mockImplementation(function (this: EngineClient, options) {
      listings.push(JSON.stringify(options.filters));
      return list.call(this, options);
    });
    expect(await logOf(app, mine.identity, mineId)).toContain('hello from the agent');
    // Only this bottle's lookups count: the live core lists for other reasons meanwhile (the other
    // bottle's terminal sends engine events, each refreshing that bottle's view).
    const lookups = listings.filter((filters) => filters.includes(mine.identity) && !filters.includes(other.identity));
    expect(lookups, lookups.join('\n')).toEqual([]);

    // Another bottle's container named under this bottle: this bottle's log, never the other's.
    const asOther = await logOf(app, mine.identity, otherId);
    expect(asOther).toContain('hello from the agent');
    expect(asOther).not.toContain('only-in-the-other-6');

    // Another instance's container with this bottle's identity (not this state root's): the same.
    const foreign = await rawDocker().createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sh', '-c', 'echo foreign-output-$((3*3)); sleep 60'],
      Labels: {
        [LABEL_IDENTITY]: mine.identity,
        [LABEL_AGENT]: 'interactive',
        [LABEL_MANAGED]: 'true',
        [LABEL_INSTANCE]: 'another-instance',
      },
    });
    await foreign.start();
    await eventually(async () => expect((await foreign.logs({ stdout: true })).toString()).toContain('foreign-output-9'));
    const asForeign = await logOf(app, mine.identity, foreign.id);
    expect(asForeign).toContain('hello from the agent');
    expect(asForeign).not.toContain('foreign-output-9');

    // A container gone since the window showed it: the bottle's container is looked up as before.
    await foreign.remove({ force: true });
    expect(await logOf(app, mine.identity, foreign.id)).toContain('hello from the agent');
  });
});
