import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStoredFile } from '../../src/core/credentials/credential-store';
import { LABEL_SIGN_IN } from '../../src/core/bottles/sign-in-labels';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { instanceId } from '../../src/core/state/instance-id';
import { claudeBottleRoot, credentialsRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage } from '../helpers/node-base-image';
import { usePublicOutside } from '../helpers/public-outside';
import { rawDocker } from '../helpers/raw-docker';
import { CLI_BIN, runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';

/*
 * The sign-in flow (issue 20) on the real engine, through the real CLI: `credentials login` runs a
 * stand-in agent's signIn command (busybox) in a short-lived container whose only way out is the
 * real gateway. The command asks an allowed sign-in host (an "outside" server of this test on a
 * public-looking address) and another one (a second server of this test, same address, another
 * port): the first answers, the second is refused by the gateway. Then the login file it wrote is
 * in the store, and no container or network of the flow is left. A failing sign-in, a cancelled
 * one and a crashed CLI leave the store as it was and, by the next run, nothing behind.
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
const outside = usePublicOutside(163);
const AGENT = 'signer';
const LOGIN = JSON.stringify({
  claudeAiOauth: {
    accessToken: 'sk-ant-oat01-signed-in',
    refreshToken: 'sk-ant-ort01-signed-in',
    expiresAt: 1_900_000_000_000,
    scopes: ['user:inference'],
  },
});
const OLD_LOGIN = JSON.stringify({
  claudeAiOauth: { accessToken: 'sk-ant-oat01-old', refreshToken: 'sk-ant-ort01-old', expiresAt: 1_800_000_000_000 },
});
let elsewhere: Server | null = null;
const elsewhereSeen: string[] = [];

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

afterEach(() => {
  elsewhere?.close();
  elsewhere = null;
  elsewhereSeen.length = 0;
});

/** The second server: on the same public-looking address as the allowed one, but no sign-in host. */
async function serveElsewhere(): Promise<number> {
  const server = createServer((request, response) => {
    elsewhereSeen.push(request.url ?? '');
    response.end('you should not be here\n');
  });
  elsewhere = server;
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return (server.address() as { port: number }).port;
}

/**
 * The stand-in agent: its signIn command fetches the allowed host, fails unless the other host is
 * refused, writes the login (and, with `exitCode`, exits with it anyway), or first sleeps.
 */
async function writeSignerAgent(allowed: string, other: string, options: { exitCode?: number; sleep?: number } = {}): Promise<void> {
  const dir = join(claudeBottleRoot(), 'agents', AGENT);
  await mkdir(dir, { recursive: true });
  const script = [
    'set -e',
    `d=${TEST_TRANSCRIPT_DIR}`,
    `sleep ${options.sleep ?? 0}`,
    `wget -q -O - "http://${allowed}/sign-in"`,
    `if refused=$(wget -O - "http://${other}/elsewhere" 2>&1); then echo REACHED-ELSEWHERE; exit 5; fi`,
    'echo "elsewhere: $refused"',
    `printf '%s' '${LOGIN}' > "$d/.credentials.json"`,
    `echo "signed in by the stand-in as $(id -u)"`,
    `exit ${options.exitCode ?? 0}`,
  ].join('\n');
  await writeFile(join(dir, 'sign-in.sh'), `${script}\n`, { mode: 0o755 });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY sign-in.sh /usr/bin/sign-in.sh\n`);
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      command: ['sleep', '3600'],
      user: 'agent',
      transcriptDir: TEST_TRANSCRIPT_DIR,
      secretFiles: ['.credentials.json'],
      credentialSet: 'claude',
      signIn: { command: ['sh', '/usr/bin/sign-in.sh'], hosts: [allowed] },
    }),
  );
}

/** The containers and networks of this root's sign-in flows on the engine. */
async function flowObjects(): Promise<{ containers: number; networks: number }> {
  const filters = { label: [LABEL_SIGN_IN, `${LABEL_INSTANCE}=${instanceId()}`] };
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return { containers: containers.length, networks: networks.length };
}

/** A store holding an older login, signed out since, and whose last refresh failed. */
async function storeOldLogin(): Promise<void> {
  const set = join(credentialsRoot(), 'claude');
  await mkdir(join(set, 'files'), { recursive: true, mode: 0o700 });
  await writeFile(join(set, 'files', '.credentials.json'), OLD_LOGIN, { mode: 0o600 });
  await writeFile(join(set, 'signed-out.json'), JSON.stringify({ at: new Date().toISOString(), pushed: [] }), { mode: 0o600 });
  await writeFile(join(set, 'refresh-failed.json'), JSON.stringify({ at: new Date().toISOString(), reason: 'invalid_grant' }), {
    mode: 0o600,
  });
}

async function storedLogin(): Promise<string | null> {
  return (await readStoredFile('claude', '.credentials.json'))?.content.toString('utf8') ?? null;
}

/** Starts the CLI's `credentials login` in the background; resolves once the flow's container runs. */
async function loginInBackground(): Promise<{ child: ReturnType<typeof spawn>; exited: Promise<{ code: number | null; output: string }> }> {
  const child = spawn(process.execPath, [CLI_BIN, 'credentials', 'login', '--agent', AGENT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  await eventually(async () => {
    const running = await docker.listContainers({ filters: { label: [LABEL_SIGN_IN, `${LABEL_INSTANCE}=${instanceId()}`] } });
    expect(running.length).toBe(1);
  }, 90_000);
  return { child, exited };
}

describe.skipIf(skipWithoutDocker)('credentials login: the sign-in flow (issue 20)', () => {
  it('reaches the sign-in host and nothing else, stores the login it wrote over the old one, and leaves no container or network', async () => {
    const port = await outside.serve();
    const otherPort = await serveElsewhere();
    await writeSignerAgent(`${outside.host}:${port}`, `${outside.host}:${otherPort}`);
    // The operator's rules for every bottle and for this agent open the other host: not for the sign-in.
    const other = `${outside.host}:${otherPort}`;
    await writeTestSettings({ network: { allow: [other], agents: { [AGENT]: { allow: [other] } } } });
    await storeOldLogin();

    const result = await runCli(['credentials', 'login', '--agent', AGENT]);
    expect(result.stderr).not.toContain('claude-bottle:');
    expect(result.code).toBe(0);
    // The command's TTY reached this terminal: the outside's answer, and its own words.
    expect(result.stdout).toContain('hello from the outside');
    expect(result.stdout).toContain('signed in by the stand-in as 1000');
    expect(result.stdout).not.toContain('REACHED-ELSEWHERE');
    // Refused by the gateway (locked to the sign-in hosts), not by a server that is not there.
    expect(result.stdout).toContain('wget: server returned error: HTTP/1.1 403 Forbidden');
    expect(result.stdout).toContain('signed in claude');
    expect(outside.seen).toEqual([`${outside.host}:${port} /sign-in`]);
    expect(elsewhereSeen).toEqual([]);

    // The operator's deliberate sign-in replaced the stored login, older marks and all.
    expect(await storedLogin()).toBe(LOGIN);
    const set = join(credentialsRoot(), 'claude');
    await expect(readFile(join(set, 'signed-out.json'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(set, 'refresh-failed.json'))).rejects.toThrow(/ENOENT/);
    const status = await runCli(['credentials', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ set: 'claude', forgottenAt: null });

    // Nothing of the flow remains; with no bottle left, the gateway went with it.
    expect(await flowObjects()).toEqual({ containers: 0, networks: 0 });
    await expect(docker.getContainer(gatewayContainerName()).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await env.listMine()).toEqual([]);
  }, 240_000);

  it('a sign-in command that fails, even after writing a login, leaves the store as it was and nothing behind', async () => {
    const port = await outside.serve();
    const otherPort = await serveElsewhere();
    await writeSignerAgent(`${outside.host}:${port}`, `${outside.host}:${otherPort}`, { exitCode: 3 });
    await storeOldLogin();

    const result = await runCli(['credentials', 'login', '--agent', AGENT]);
    expect(result.code).toBe(1);
    // One line of error, after the image build's progress.
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'claude-bottle: the sign-in command exited with code 3; the stored login is unchanged',
    );
    expect(result.stderr.match(/claude-bottle:/g)).toHaveLength(1);
    expect(await storedLogin()).toBe(OLD_LOGIN);
    expect(await flowObjects()).toEqual({ containers: 0, networks: 0 });
  }, 240_000);

  it('SIGINT to the CLI cancels the sign-in: nothing stored, its container and network removed before it exits', async () => {
    const port = await outside.serve();
    await writeSignerAgent(`${outside.host}:${port}`, `${outside.host}:${port + 1}`, { sleep: 30 });
    await storeOldLogin();

    const { child, exited } = await loginInBackground();
    child.kill('SIGINT');
    const { code, output } = await exited;
    expect(code).toBe(1);
    expect(output).toContain('sign-in cancelled; the stored login is unchanged');
    expect(await storedLogin()).toBe(OLD_LOGIN);
    expect(await flowObjects()).toEqual({ containers: 0, networks: 0 });
  }, 240_000);

  it('a CLI killed mid-way leaves a labelled container and network, which the next sign-in removes', async () => {
    const port = await outside.serve();
    await writeSignerAgent(`${outside.host}:${port}`, `${outside.host}:${port + 1}`, { sleep: 60 });
    await storeOldLogin();

    const { child, exited } = await loginInBackground();
    child.kill('SIGKILL');
    await exited;
    expect(await flowObjects()).toEqual({ containers: 1, networks: 1 });

    // The next run (this one fails at once) removes what the killed one left.
    await writeSignerAgent(`${outside.host}:${port}`, `${outside.host}:${port + 1}`, { exitCode: 4 });
    const next = await runCli(['credentials', 'login', '--agent', AGENT]);
    expect(next.code).toBe(1);
    expect(next.stderr).toContain('exited with code 4');
    expect(await storedLogin()).toBe(OLD_LOGIN);
    expect(await flowObjects()).toEqual({ containers: 0, networks: 0 });
  }, 300_000);

  it("a bottle's removal also removes what a killed sign-in left, so the gateway goes with the last bottle", async () => {
    const port = await outside.serve();
    await writeSignerAgent(`${outside.host}:${port}`, `${outside.host}:${port + 1}`, { sleep: 60 });
    const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const identity = (JSON.parse(started.stdout) as { identity: string }).identity;

    const { child, exited } = await loginInBackground();
    child.kill('SIGKILL');
    await exited;
    expect(await flowObjects()).toEqual({ containers: 1, networks: 1 });

    const removed = await runCli(['rm', identity, '--force']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await flowObjects()).toEqual({ containers: 0, networks: 0 });
    await expect(docker.getContainer(gatewayContainerName()).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 300_000);
});
