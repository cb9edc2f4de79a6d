import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { retireBottle } from '../../src/core/bottles/bottle-lifecycle';
import { createCore } from '../../src/core/create-core';
import { readStoredFile, storeEnv } from '../../src/core/credentials/credential-store';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { claudeBottleRoot, credentialsRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import {
  execAsAgent,
  loginFileIn,
  loginInside,
  md5,
  STAND_IN_CONFIG_DIR,
  STAND_IN_LOG,
  testToken,
  writeClaudeStandIn,
} from '../helpers/claude-stand-in';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { GATEWAY_STAND_IN_RECORD, writeGatewayStandIn } from '../helpers/gateway-stand-in';
import { ensureTestNodeBaseImage } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';
import { runCli } from '../helpers/run-cli';
import { useTempHostHome } from '../helpers/temp-home';
import { service } from '../helpers/test-service';

/*
 * Issue 20, the launch side, on the real engine: a bottle of a claude-shaped stand-in agent (busybox,
 * declaring `credentials` like the shipped agent) holds only placeholders, wherever one looks; the
 * gateway gets the real values in its credentials table (the gateway runs a STAND-IN program that
 * records every control line it is sent: test/helpers/gateway-stand-in.ts; the injection itself
 * is the gateway part's). Then the attack of the issue replayed: nothing a bottle writes reaches
 * the store or another bottle. Then the one-time migration of a login an older version left.
 */

const env = useBottleTestEnv();
useTempHostHome();
const docker = rawDocker();
const HOST = 'api.anthropic.com';
/** 2286-11-20 in ms: the "never expires" an attacker's login file claims. */
const YEAR_2286_MS = 9_999_999_999_999;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

beforeEach(async () => {
  await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'));
  process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM = await writeGatewayStandIn(env.home());
});

afterEach(() => {
  delete process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM;
});

interface Login {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  scopes?: unknown;
  subscriptionType?: unknown;
}

/** A subscription login as `credentials login` leaves it in the store. */
async function storeLogin(accessToken: string): Promise<Login> {
  const login = {
    accessToken,
    refreshToken: `${accessToken}-refresh`,
    expiresAt: Date.now() + 3600_000,
    scopes: ['user:inference'],
    subscriptionType: 'max',
  };
  const dir = join(credentialsRoot(), 'claude', 'files');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, '.credentials.json'), `${JSON.stringify({ claudeAiOauth: login })}\n`, { mode: 0o600 });
  return login;
}

async function storedLoginText(): Promise<string | null> {
  return (await readStoredFile('claude', '.credentials.json'))?.content.toString('utf8') ?? null;
}

async function bottleLogin(identity: string): Promise<Login> {
  return (JSON.parse(await loginFileIn(await bottleContainer(identity))) as { claudeAiOauth: Login }).claudeAiOauth;
}

async function logOf(identity: string): Promise<string> {
  return (await execAsAgent(await bottleContainer(identity), ['cat', STAND_IN_LOG])).output;
}

async function startClaude(ctx: CoreDeps): Promise<string> {
  const { identity } = await service(ctx).start({ agent: 'claude', cwd: env.project(), copy: true, autonomous: false });
  await eventually(async () => expect(await logOf(identity)).toContain('CLAUDE run'));
  return identity;
}

/** The container's whole filesystem, as `docker export` writes it (an uncompressed tar: every file's bytes as they are). */
async function exportedFilesystem(container: Docker.Container): Promise<Buffer> {
  const stream = await container.export();
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Files under the state root, the credential store left out, that contain `text`. */
function grepOutsideStore(dir: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('grep', ['-r', '-l', '--exclude-dir=credentials', text, dir], (_error, stdout) => resolve(stdout));
  });
}

interface PushedInjection {
  host: string;
  port: number;
  header: string;
  placeholder: string;
  value: string;
}
interface PushedCredentials {
  type: 'credentials';
  sets: { set: string; injections: PushedInjection[] }[];
  certificates: { host: string; cert: string; key: string }[];
  upstreams: unknown[];
}

/** Every control line the gateway (stand-in) was sent, parsed, oldest first. */
async function pushedLines(): Promise<{ type: string }[]> {
  // The gateway image has node and no shell tools.
  const read = `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(GATEWAY_STAND_IN_RECORD)}))`;
  const { output } = await execIn(docker.getContainer(gatewayContainerName()), ['node', '-e', read]);
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string });
}

async function lastCredentials(): Promise<PushedCredentials> {
  const found = (await pushedLines()).filter((line): line is PushedCredentials => line.type === 'credentials').at(-1);
  if (found === undefined) throw new Error('no credentials table was pushed');
  return found;
}

describe.skipIf(skipWithoutDocker)('credentials stay home (issue 20): the launch side, on a real engine', () => {
  it('a bottle holds only placeholders (filesystem, /proc/*/environ, docker inspect); the gateway gets the real values and a certificate; a store change is pushed with no restart', async () => {
    const ctx = createCoreDeps();
    const login = await storeLogin(testToken('login'));
    const apiKey = `sk-ant-api03-${testToken('key').slice(13)}`;
    await storeEnv('claude', 'ANTHROPIC_API_KEY', apiKey);
    const identity = await startClaude(ctx);
    const container = await bottleContainer(identity);
    const secrets = [login.accessToken, login.refreshToken, apiKey];

    // The bottle's login file: placeholders that never expire, the real scopes and plan.
    const inBottle = await bottleLogin(identity);
    expect(inBottle.accessToken).toMatch(/^sk-ant-oat01-claude-bottle-placeholder-[0-9a-f]{16}$/);
    expect(inBottle.refreshToken).toMatch(/^sk-ant-ort01-claude-bottle-placeholder-[0-9a-f]{16}$/);
    expect(inBottle.expiresAt).toBe(253402300799000);
    expect(inBottle).toMatchObject({ scopes: ['user:inference'], subscriptionType: 'max' });
    // The agent's key variable: a placeholder too (the stand-in prints a digest of what it got).
    const log = await logOf(identity);
    const keyPlaceholder = /apikey=([0-9a-f]{32})/.exec(log)?.[1];
    expect(keyPlaceholder).not.toBe(md5(apiKey));

    const filesystem = await exportedFilesystem(container);
    expect(filesystem.includes('claude-bottle-placeholder-')).toBe(true); // the export does carry the config folder
    const environ = (await execIn(container, ['sh', '-c', 'cat /proc/[0-9]*/environ | tr "\\0" "\\n"'])).output;
    expect(environ).toContain('ANTHROPIC_API_KEY=sk-ant-api03-claude-bottle-placeholder-');
    expect(md5(/ANTHROPIC_API_KEY=(\S+)/.exec(environ)?.[1] ?? '')).toBe(keyPlaceholder);
    const inspected = JSON.stringify(await container.inspect());
    expect(inspected).toContain('NODE_EXTRA_CA_CERTS=/etc/claude-bottle/gateway-ca.pem');
    for (const secret of secrets) {
      expect(filesystem.includes(secret), 'in the exported filesystem').toBe(false);
      expect(environ, 'in /proc/*/environ').not.toContain(secret);
      expect(inspected, 'in docker inspect').not.toContain(secret);
      expect(await grepOutsideStore(env.home(), secret), 'under the state root').toBe('');
    }

    // The gateway's table: the set, the real values for the declared host and headers, a certificate for it.
    const bottles = (await pushedLines()).filter((line) => line.type === 'bottles').at(-1) as unknown as {
      bottles: { identity: string; credentialSet?: string }[];
    };
    expect(bottles.bottles.find((entry) => entry.identity === identity)?.credentialSet).toBe('claude');
    const table = await lastCredentials();
    const injections = table.sets.find((entry) => entry.set === 'claude')?.injections ?? [];
    expect(injections).toContainEqual({
      host: HOST,
      port: 443,
      header: 'authorization',
      placeholder: inBottle.accessToken,
      value: login.accessToken,
    });
    expect(injections.find((entry) => entry.header === 'x-api-key')?.value).toBe(apiKey);
    expect(md5(injections.find((entry) => entry.header === 'x-api-key')?.placeholder ?? '')).toBe(keyPlaceholder);
    // Never the refresh token: refreshing is done at home.
    expect(JSON.stringify(table)).not.toContain(login.refreshToken);
    const leaf = table.certificates.find((entry) => entry.host === HOST);
    expect(leaf).toBeDefined();
    const caInBottle = (await execAsAgent(container, ['cat', '/etc/claude-bottle/gateway-ca.pem'])).output;
    const certificate = new X509Certificate(leaf?.cert ?? '');
    expect(certificate.verify(new X509Certificate(caInBottle).publicKey)).toBe(true);
    expect(certificate.checkHost(HOST)).toBe(HOST);
    // The CA's key stays home: in the store, 0600, and nowhere in what was pushed.
    const caKey = await readFile(join(credentialsRoot(), '.gateway-ca', 'ca-key.pem'), 'utf8');
    expect((await stat(join(credentialsRoot(), '.gateway-ca', 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(await pushedLines())).not.toContain(caKey.split('\n')[1]);

    // A new key stored while a live core runs: pushed to the gateway, the bottle not restarted.
    const startedAt = (await container.inspect()).State.StartedAt;
    const pushedBefore = (await pushedLines()).length;
    const core = createCore({ deps: createCoreDeps(), live: true });
    try {
      // The live core's own push at its start first, so the one checked below is the store change's.
      await eventually(async () => expect((await pushedLines()).length).toBeGreaterThan(pushedBefore), 15_000);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const rotated = `sk-ant-api03-${testToken('rotated').slice(13)}`;
      await storeEnv('claude', 'ANTHROPIC_API_KEY', rotated);
      await eventually(async () => {
        const latest = await lastCredentials();
        expect(latest.sets[0]?.injections.find((entry) => entry.header === 'x-api-key')?.value).toBe(rotated);
      }, 15_000);
      expect((await container.inspect()).State.StartedAt).toBe(startedAt);
    } finally {
      await core.close();
    }
    // With no live core at all: `credentials set` pushes the new table itself.
    const fromCli = `sk-ant-api03-${testToken('cli').slice(13)}`;
    const set = await runCli(['credentials', 'set', 'ANTHROPIC_API_KEY'], {}, 60_000, `${fromCli}\n`);
    expect(set.code, set.stderr).toBe(0);
    const pushed = await lastCredentials();
    expect(pushed.sets[0]?.injections.find((entry) => entry.header === 'x-api-key')?.value).toBe(fromCli);
    expect((await container.inspect()).State.StartedAt).toBe(startedAt);
  }, 180_000);

  it('THE ATTACK REPLAYED: a bottle that writes a login "valid until 2286" or a non-JSON file from the future changes nothing for the store or other bottles', async () => {
    const ctx = createCoreDeps();
    const operator = await storeLogin(testToken('operator'));
    const a = await startClaude(ctx);
    const b = await startClaude(ctx);
    const storedBefore = await storedLoginText();
    const aBefore = await loginFileIn(await bottleContainer(a));
    const evil = testToken('attacker');
    // The live core runs meanwhile: it is what used to carry a bottle's login to the store and to the others.
    const core = createCore({ deps: createCoreDeps(), live: true });
    try {
      await loginInside(await bottleContainer(b), 'mallory', evil, YEAR_2286_MS);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const creds = `${STAND_IN_CONFIG_DIR}/.credentials.json`;
      const future = await execAsAgent(await bottleContainer(b), [
        'sh',
        '-c',
        `printf 'not json %s' ${evil} > ${creds} && touch -t 228601010000 ${creds} && stat -c %Y ${creds}`,
      ]);
      expect(future.exitCode, future.output).toBe(0);
      expect(Number(future.output.trim()) * 1000).toBeGreaterThan(YEAR_2286_MS - 400 * 86_400_000);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      expect(await storedLoginText()).toBe(storedBefore);
      expect(await loginFileIn(await bottleContainer(a))).toBe(aBefore);
      // A new bottle gets the placeholder, not the attacker's login nor the operator's real one.
      const c = await startClaude(ctx);
      const inC = await bottleLogin(c);
      expect(inC.accessToken).toMatch(/claude-bottle-placeholder-/);
      expect(JSON.stringify(inC)).not.toContain(evil);
      expect(JSON.stringify(inC)).not.toContain(operator.accessToken);
      // Nor do the ends of B take its file in: stop, an approval's teardown, a remove.
      await service(ctx).stop(b);
      expect(await storedLoginText()).toBe(storedBefore);
      await service(ctx).resume(b);
      await loginInside(await bottleContainer(b), 'mallory', evil, YEAR_2286_MS);
      await retireBottle(ctx, b, 'approved');
      expect(await storedLoginText()).toBe(storedBefore);
      await service(ctx).resume(b);
      await loginInside(await bottleContainer(b), 'mallory', evil, YEAR_2286_MS);
      await service(ctx).remove(b, { keepState: false, force: true });
      expect(await storedLoginText()).toBe(storedBefore);
      expect(JSON.stringify(await lastCredentials())).not.toContain(evil);
    } finally {
      await core.close();
    }
  }, 240_000);

  it('a login an older version left (snapshot, old container, old running bottle) moves to the store once, at resume or at its stop; the bottle gets the placeholder; later changes are never taken', async () => {
    const ctx = createCoreDeps();
    const x = await startClaude(ctx);
    await service(ctx).stop(x);
    const marker = join(env.home(), 'state', x, 'credentials-migrated.json');
    expect((await stat(marker)).isFile()).toBe(true);
    // As an older version left it: no record, a real login in the snapshot.
    await rm(marker);
    const legacy = testToken('legacy');
    const snapshot = join(env.home(), 'state', x, 'transcript');
    const legacyLogin = { accessToken: legacy, refreshToken: `${legacy}-r`, expiresAt: Date.now() + 3600_000, subscriptionType: 'max' };
    await writeFile(join(snapshot, '.credentials.json'), JSON.stringify({ claudeAiOauth: legacyLogin }), { mode: 0o600 });
    await service(ctx).resume(x);
    expect(await storedLoginText()).toContain(legacy);
    expect((await bottleLogin(x)).accessToken).toMatch(/claude-bottle-placeholder-/);
    expect(await grepOutsideStore(env.home(), legacy)).toBe('');
    expect((await stat(marker)).isFile()).toBe(true);
    const migrated = await storedLoginText();

    // From now on nothing of it is taken: a newer login written in the bottle, or put in its snapshot by hand.
    const later = testToken('later');
    await loginInside(await bottleContainer(x), 'later', later, YEAR_2286_MS);
    await service(ctx).stop(x);
    await writeFile(
      join(snapshot, '.credentials.json'),
      JSON.stringify({ claudeAiOauth: { ...legacyLogin, accessToken: later, expiresAt: YEAR_2286_MS } }),
    );
    await service(ctx).resume(x);
    expect(await storedLoginText()).toBe(migrated);
    expect(await grepOutsideStore(env.home(), later)).toBe('');

    // An old bottle whose exited container still holds its real login: moved once, at its resume.
    const y = await startClaude(ctx);
    const inContainer = testToken('container');
    await loginInside(await bottleContainer(y), 'old', inContainer, YEAR_2286_MS);
    await (await bottleContainer(y)).stop({ t: 1 });
    await rm(join(env.home(), 'state', y, 'credentials-migrated.json'));
    await service(ctx).resume(y);
    expect(await storedLoginText()).toContain(inContainer);
    expect((await bottleLogin(y)).accessToken).toMatch(/claude-bottle-placeholder-/);

    // An old bottle still running when the new version stops it: moved once, at that stop; never again.
    const z = await startClaude(ctx);
    const running = testToken('running');
    await loginInside(await bottleContainer(z), 'old', running, YEAR_2286_MS + 1);
    await rm(join(env.home(), 'state', z, 'credentials-migrated.json'));
    await service(ctx).stop(z);
    expect(await storedLoginText()).toContain(running);
    const afterZ = await storedLoginText();
    await service(ctx).resume(z);
    await loginInside(await bottleContainer(z), 'later', testToken('z-later'), YEAR_2286_MS + 2);
    await service(ctx).stop(z);
    expect(await storedLoginText()).toBe(afterZ);
  }, 240_000);
});
