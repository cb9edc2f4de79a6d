import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { usePublicOutside } from '../helpers/public-outside';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { writeTestSettings } from '../helpers/test-settings';

/*
 * Issue 19: a rule the operator adds to settings.json by hand (or another core writes there) is
 * pushed to the running gateways by the live core at once, without a restart. Before, the gateway
 * kept the rules of the last launch or answer, so the bottle's request was still held for the
 * operator. The outside is an HTTP server of this test on a public address of the host (a bridge
 * of this test's own, as in network-gateway-service.test.ts, on a subnet of this file's own).
 */

const env = useBottleTestEnv();
const outside = usePublicOutside(93);
const PUBLIC_HOST = outside.host;
/** Far longer than the core's push delay (200 ms) and an fs event's way. */
const QUIET_MS = 2000;
let core: Core | null = null;

afterEach(async () => {
  await core?.close();
  core = null;
});

describe.skipIf(skipWithoutDocker)('settings.json is watched (issue 19)', () => {
  it('a rule added to settings.json by hand lets the bottle through without a restart of anything', async () => {
    const port = await outside.serve();
    const live = createCore({ deps: createCoreDeps(), live: true });
    core = live;
    const identity = (await live.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
    const container = await bottleContainer(identity);
    const url = `http://${PUBLIC_HOST}:${port}/`;

    // Ask mode, no rule: the request is held for the operator, and shows in the bottle's view.
    const held = execIn(container, ['sh', '-c', `timeout 60 wget -q -O - '${url}' 2>&1; echo "exit=$?"`]);
    await eventually(async () => expect((await live.bottles.view(identity))?.networkPending.length).toBe(1), 30_000);
    // Every change the core sees pushes the tables with the settings as they are then: the edit
    // comes after those pushes are over, so only the watch of settings.json can bring it over.
    await sleep(QUIET_MS);

    // The operator edits settings.json by hand; nothing is restarted, nothing else is touched. The
    // gateway gets the rule and lets the held connection through well before the hold times out.
    const edited = Date.now();
    await writeTestSettings({ network: { allow: [`${PUBLIC_HOST}:${port}`] } });
    expect((await held).output).toContain('hello from the outside');
    expect(Date.now() - edited).toBeLessThan(10_000);
    await eventually(async () => expect((await live.bottles.view(identity))?.networkPending).toEqual([]));
  }, 120_000);
});
