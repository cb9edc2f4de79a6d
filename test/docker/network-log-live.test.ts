import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import type { AppEvent } from '../../src/shared/app-events';
import type { NetworkLogEntry } from '../../src/shared/network-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { usePublicOutside } from '../helpers/public-outside';
import { writeTestAgent } from '../helpers/test-agents';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';

/*
 * The Network tab's data source, live (issue 19): a connection a bottle makes through the REAL
 * gateway reaches a client session of a live core (what the desktop window and a browser tab get)
 * as a `network-log` event once it is on the bottle's log, with no read of the file; and the
 * tab's first read (`network:log`, logView) holds the same records. A refused one (the cloud
 * metadata address) arrives the same way, with its reason.
 *
 * The "outside" is an HTTP server of this test on the host, given a PUBLIC address on a bridge of
 * this test's own (as network-gateway-service.test.ts does; another subnet, so both can run at once).
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
const outside = usePublicOutside(141);
const PUBLIC_HOST = outside.host;
let core: Core | null = null;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

afterEach(async () => {
  await core?.close();
  core = null;
});

async function fetchInBottle(identity: string, url: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['sh', '-c', `wget -q -O - '${url}' 2>&1; echo "exit=$?"`])).output;
}

describe.skipIf(skipWithoutDocker)('the Network tab, live (issue 19)', () => {
  it("a connection through the real gateway reaches a client session as it is logged, and the tab's first read holds the same record", async () => {
    const port = await outside.serve();
    const live = createCore({ deps: createCoreDeps(), live: true });
    core = live;
    const pushed: { identity: string; entry: NetworkLogEntry }[] = [];
    live.openSession((event: AppEvent) => {
      if (event.type === 'network-log') pushed.push({ identity: event.identity, entry: event.entry });
    });
    const identity = (await live.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true, net: 'open' })).identity;
    expect((await live.network.logView(identity, 100)).entries).toEqual([]);

    // Open mode: it passes, and is on the record with its bytes once it ends.
    expect(await fetchInBottle(identity, `http://${PUBLIC_HOST}:${port}/`)).toContain('hello from the outside');
    const allowed = await eventually(async () => {
      const found = pushed.find((event) => event.entry.host === PUBLIC_HOST && event.entry.port === port);
      expect(found).toBeDefined();
      return found as { identity: string; entry: NetworkLogEntry };
    }, 30_000);
    expect(allowed.identity).toBe(identity);
    expect(allowed.entry).toMatchObject({ event: 'end', protocol: 'http', decision: 'allow', by: 'mode' });
    expect(allowed.entry.bytesDown).toBeGreaterThan(0);
    expect(allowed.entry.bytesUp).toBeGreaterThan(0);

    // Never dialled, whatever the mode: refused, and pushed with its reason.
    expect(await fetchInBottle(identity, 'http://169.254.169.254/latest/meta-data/')).not.toContain('hello');
    const refused = await eventually(async () => {
      const found = pushed.find((event) => event.entry.host === '169.254.169.254');
      expect(found).toBeDefined();
      return found as { identity: string; entry: NetworkLogEntry };
    }, 30_000);
    expect(refused.entry).toMatchObject({ event: 'refused', decision: 'deny' });
    expect(refused.entry.reason).toMatch(/169\.254\.169\.254/);

    // The tab's first read is the file: the same records, in the order they were pushed.
    const read = await live.network.logView(identity, 100);
    expect(read.gatewayOn).toBe(true);
    expect(read.entries).toEqual(pushed.filter((event) => event.identity === identity).map((event) => event.entry));
  }, 240_000);

  it("an agent's very first connection, made as its container starts, goes through: the launch waits until the gateway knows the bottle (a CLI's core, no live one)", async () => {
    const port = await outside.serve();
    // The scheduled push comes 200 ms after a change, after the container started: too late for this agent.
    await writeTestAgent({
      name: 'first-fetch',
      script: `wget -q -O - 'http://${PUBLIC_HOST}:${port}/first' > /tmp/first.txt 2>&1; echo "exit=$?" >> /tmp/first.txt; exec sleep 3600`,
    });
    const cli = createCore({ deps: createCoreDeps() });
    core = cli;
    const identity = (await cli.bottles.start({ agent: 'first-fetch', cwd: env.project(), copy: true, net: 'open' })).identity;
    const first = await eventually(async () => {
      const output = (await execIn(await bottleContainer(identity), ['cat', '/tmp/first.txt'])).output;
      expect(output).toContain('exit=');
      return output;
    }, 30_000);
    expect(first).toContain('hello from the outside');
    expect(first).toContain('exit=0');
  }, 240_000);
});
