import { mkdir, readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { readNetworkLog } from '../../src/core/state/network-log';
import { bottlePaths, settingsPath } from '../../src/core/state/state-paths';
import type { NetworkRequest } from '../../src/shared/network-policy';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { usePublicOutside } from '../helpers/public-outside';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';
import { runCli } from '../helpers/run-cli';

/*
 * The core's gateway service on the real engine (issue 19): a live core keeps the control stream
 * to the REAL gateway program, a bottle's request to a place no rule allows is held and shows in
 * the bottle's view, the operator's answer (through the service, and through the CLI) lets the
 * same held connection through, and the bottle's log file holds every connection.
 *
 * The "outside" is an HTTP server of this test on the host. An ask needs a destination the policy
 * may hold: a private address never asks (only an exact operator rule opens it) and there is no
 * DNS here, so the test gives the host a PUBLIC address: a bridge network of its own on
 * 11.213.77.0/29 puts 11.213.77.1 on the host, and the gateway reaches it through its egress
 * bridge's default route (the host's own address: no forwarding). An IP literal in public space is
 * decided like a name: held in `ask` mode, dialled after the address check once allowed.
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
const outside = usePublicOutside(77);
const PUBLIC_HOST = outside.host;
let core: Core | null = null;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

afterEach(async () => {
  await core?.close();
  core = null;
});

/** busybox wget in the bottle through its proxy; resolves when the connection ends, however it ends. */
async function fetchInBottle(identity: string, url: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['sh', '-c', `wget -q -O - '${url}' 2>&1; echo "exit=$?"`])).output;
}

async function heldInView(live: Core, identity: string, port: number): Promise<NetworkRequest> {
  return eventually(async () => {
    const view = await live.bottles.view(identity);
    const held = view?.networkPending.find((request) => request.host === PUBLIC_HOST && request.port === port);
    expect(held).toBeDefined();
    return held as NetworkRequest;
  }, 30_000);
}

describe.skipIf(skipWithoutDocker)("the core's gateway service (issue 19)", () => {
  it('a held request shows in the view, an answer lets the same connection through or refuses it, the CLI allows, and the log keeps every connection', async () => {
    const port = await outside.serve();
    const live = createCore({ deps: createCoreDeps(), live: true });
    core = live;
    const identity = (await live.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
    const url = `http://${PUBLIC_HOST}:${port}/`;

    // Ask mode (the default): nothing allows it, so the gateway holds it and the bottle's view shows it.
    const first = fetchInBottle(identity, url);
    const held = await heldInView(live, identity, port);
    expect(held).toMatchObject({ identity, protocol: 'http' });
    expect((await live.bottles.view(identity))?.networkMode).toBe('ask');
    await live.network.answer(identity, held.id, 'once');
    expect(await first).toContain('hello from the outside');
    await eventually(async () => expect((await live.bottles.view(identity))?.networkPending).toEqual([]));

    // Once is once: the next one is held again; denied, it fails with the gateway's reason.
    const second = fetchInBottle(identity, url);
    await live.network.answer(identity, (await heldInView(live, identity, port)).id, 'deny');
    expect(await second).not.toContain('hello from the outside');

    // Both are on the record in the bottle's own file: who decided, bytes each way.
    await eventually(async () => {
      const log = await readNetworkLog(identity, 100);
      expect(log.some((entry) => entry.event === 'end' && entry.port === port && entry.decision === 'allow' && entry.bytesDown > 0)).toBe(
        true,
      );
      expect(log.some((entry) => entry.event === 'refused' && entry.port === port && entry.by === 'operator')).toBe(true);
    });
    const lines = (await readFile(bottlePaths(identity).networkLog, 'utf8')).trim().split('\n');
    expect(lines.every((line) => (JSON.parse(line) as { host: string }).host === PUBLIC_HOST)).toBe(true);

    // From the CLI: `allow` keeps the rule for the bottle and answers the connection held now.
    const third = fetchInBottle(identity, url);
    await heldInView(live, identity, port);
    const net = await runCli(['net', identity, '--json']);
    expect(net.code).toBe(0);
    expect((JSON.parse(net.stdout) as NetworkRequest[]).map((request) => request.port)).toEqual([port]);
    const listed = await runCli(['net', identity]);
    expect(listed.stdout).toContain(`${PUBLIC_HOST}:${port} (http, held since`);
    expect(listed.stdout).toContain(`allow: claude-bottle allow ${identity} ${PUBLIC_HOST}:${port}`);
    expect((await runCli(['show', identity])).stdout).toMatch(new RegExp(`held request: +${PUBLIC_HOST.replaceAll('.', '\\.')}:${port}`));
    const allowed = await runCli(['allow', identity, `${PUBLIC_HOST}:${port}`, '--yes']);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain(`allowed ${PUBLIC_HOST}:${port} for ${identity}`);
    expect(await third).toContain('hello from the outside');
    expect(JSON.parse(await readFile(bottlePaths(identity).network, 'utf8'))).toMatchObject({ allow: [`${PUBLIC_HOST}:${port}`] });
    // Kept: the next connection passes without asking.
    expect(await fetchInBottle(identity, url)).toContain('hello from the outside');
    const log = await runCli(['net', identity, '--log', '--json']);
    // JSON Lines: one record a line, as the log file itself.
    expect(
      log.stdout
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { host: string }).host).length,
    ).toBeGreaterThanOrEqual(3);
  }, 240_000);

  it('allow without a terminal needs --yes, and changes nothing without it', async () => {
    const before = await readFile(settingsPath(), 'utf8');
    // The bottle must exist for the CLI to get as far as asking for --yes (an unknown one is "no bottle").
    await mkdir(bottlePaths('scripted-aaaaa').dir, { recursive: true });
    for (const args of [
      ['allow', 'scripted-aaaaa', 'example.com:443'],
      ['allow', 'scripted-aaaaa', 'example.com:443', '--agent'],
    ]) {
      const refused = await runCli(args);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('allow needs --yes when not run from a terminal');
    }
    expect(await readFile(settingsPath(), 'utf8')).toBe(before);
  });
});
