import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { instanceId } from '../../src/core/state/instance-id';
import { readNetworkLog } from '../../src/core/state/network-log';
import { bottlePaths, logFilePath, networkCursorsPath, settingsPath } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';

/*
 * Every connection on the record (issue 19, item 4), with no live core running when it is made: a
 * bottle started by a CLI's core connects (one allowed, one refused) while no app or `serve` reads
 * the gateway's control stream; the REAL gateway keeps the records; a live core that starts later
 * asks for them and writes them to the bottle's log, once each, and a live core started after that
 * one writes none of them again.
 *
 * The "outside" is an HTTP server of this test on the host, given a PUBLIC address on a bridge of
 * this test's own (as network-gateway-service.test.ts does; another subnet, so both can run at once).
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
const PUBLIC_SUBNET = '11.213.201.0/29';
const PUBLIC_HOST = '11.213.201.1';
let outside: Server | null = null;
let core: Core | null = null;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

beforeEach(async () => {
  await writeFile(settingsPath(), JSON.stringify({ gatewayNetwork: true, gatewayBaseImage: TEST_NODE_BASE_IMAGE }));
});

afterEach(async () => {
  await core?.close();
  core = null;
  outside?.close();
  outside = null;
});

async function serveOutside(): Promise<number> {
  const server = createServer((_request, response) => response.end('hello from the outside\n'));
  outside = server;
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return (server.address() as { port: number }).port;
}

async function publicHostAddress(): Promise<void> {
  await docker.createNetwork({
    Name: `claude-bottle-test-public-backlog-${instanceId()}`,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: PUBLIC_SUBNET, Gateway: PUBLIC_HOST }] },
    Labels: { [LABEL_INSTANCE]: instanceId() },
  });
}

async function fetchInBottle(identity: string, url: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['sh', '-c', `wget -q -O - '${url}' 2>&1; echo "exit=$?"`])).output;
}

/** The log as destinations, oldest first: what must be there once each. */
async function logged(identity: string): Promise<string[]> {
  return (await readNetworkLog(identity, 100)).map((entry) => `${entry.event} ${entry.host}:${entry.port}`);
}

describe.skipIf(skipWithoutDocker)('connections made while no live core records (issue 19)', () => {
  it('are kept by the gateway and written, once each, by the live core that starts later; the next live core writes none again', async () => {
    const port = await serveOutside();
    await publicHostAddress();
    // Only a CLI's core: it starts the bottle (and the gateway) and exits; nothing reads the stream.
    const cli = createCore({ deps: createCoreDeps() });
    const identity = (await cli.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true, net: 'open' })).identity;
    // Another bottle connects too, and is removed before any live core runs: its records stay in the gateway.
    const gone = (await cli.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true, net: 'open' })).identity;
    const url = `http://${PUBLIC_HOST}:${port}/`;
    expect(await fetchInBottle(gone, `${url}gone`)).toContain('hello from the outside');
    await cli.bottles.remove(gone, { keepState: false, force: true });
    await cli.close();
    expect(await fetchInBottle(identity, `${url}unrecorded`)).toContain('hello from the outside');
    expect(await fetchInBottle(identity, 'http://169.254.169.254/latest/meta-data/')).not.toContain('hello');
    const allowed = `end ${PUBLIC_HOST}:${port}`;
    const refused = 'refused 169.254.169.254:80';
    // Nobody could write them: the log has nothing yet.
    await sleep(1000);
    expect(await logged(identity)).toEqual([]);

    // A live core starts: it asks the gateway for what it has not written, and the log holds both, in order.
    const live = createCore({ deps: createCoreDeps(), live: true });
    core = live;
    await eventually(async () => expect(await logged(identity)).toEqual([allowed, refused]), 30_000);
    // The removed bottle's record is passed over: no folder comes back for it, and nothing to warn about.
    expect(existsSync(bottlePaths(gone).dir)).toBe(false);
    expect(existsSync(logFilePath()) ? await readFile(logFilePath(), 'utf8') : '').not.toContain(gone);
    const first = (await readNetworkLog(identity, 100))[0];
    expect(first).toMatchObject({ protocol: 'http', decision: 'allow', by: 'mode' });
    expect(first?.bytesDown).toBeGreaterThan(0);
    // A connection made while it runs arrives live, after them, once (replayed or live, never both).
    expect(await fetchInBottle(identity, `${url}live`)).toContain('hello from the outside');
    await eventually(async () => expect(await logged(identity)).toEqual([allowed, refused, allowed]), 30_000);
    // Its cursor says how far it wrote (and the gateway was told: it keeps nothing of these now).
    await eventually(async () => {
      const cursors = JSON.parse(await readFile(networkCursorsPath(), 'utf8')) as { engines: Record<string, { seq: number }> };
      expect(Object.values(cursors.engines).map((position) => position.seq)).toEqual([4]);
    });
    await live.close();

    // The next live core (the app opened again) writes none of those again, and goes on from there.
    const again = createCore({ deps: createCoreDeps(), live: true });
    core = again;
    expect(await fetchInBottle(identity, `${url}again`)).toContain('hello from the outside');
    await eventually(async () => expect(await logged(identity)).toEqual([allowed, refused, allowed, allowed]), 30_000);
    await sleep(1000);
    expect(await logged(identity)).toEqual([allowed, refused, allowed, allowed]);
  }, 240_000);
});
