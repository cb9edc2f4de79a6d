import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { createCore } from '../../src/core/create-core';
import { CredentialSync } from '../../src/core/credentials/credential-sync';
import { readStoredFile } from '../../src/core/credentials/credential-store';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
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
  writeLoginFile,
} from '../helpers/claude-stand-in';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { useTempHostHome } from '../helpers/temp-home';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();
useTempHostHome();

beforeEach(async () => {
  await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'));
});

const HOUR = 3600_000;

/** Files under `dir` (CLAUDE_BOTTLE_HOME, its credential store left out) that contain `text`. */
function grepOutsideStore(dir: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('grep', ['-r', '-l', '--exclude-dir=credentials', text, dir], (_error, stdout) => resolve(stdout));
  });
}

async function logOf(identity: string): Promise<string> {
  return (await execAsAgent(await bottleContainer(identity), ['cat', STAND_IN_LOG])).output;
}

async function startClaude(ctx: CoreDeps, options: { copy?: boolean; autonomous?: boolean } = {}): Promise<string> {
  const { identity } = await service(ctx).start({
    agent: 'claude',
    cwd: env.project(),
    copy: options.copy ?? true,
    autonomous: options.autonomous ?? false,
  });
  await eventually(async () => expect(await logOf(identity)).toContain('CLAUDE run'));
  return identity;
}

async function inspectText(containers: Docker.Container[]): Promise<string> {
  return (await Promise.all(containers.map(async (container) => JSON.stringify(await container.inspect())))).join('\n');
}

describe.skipIf(skipWithoutDocker)('signing in once, with a stand-in Claude Code on a real engine', () => {
  it('a login in bottle A signs in bottle B; a refresh in B reaches the store, A and C; older never wins; the token stays out of state and docker inspect', async () => {
    const ctx = createCoreDeps();
    const changed: string[] = [];
    const sync = new CredentialSync(ctx, {
      changed: (set) => changed.push(set),
      failure: (what, error) => {
        throw new Error(`${what}: ${String(error)}`);
      },
    });
    const first = testToken('first');
    const refreshed = testToken('refreshed');
    const stale = testToken('stale');

    const a = await startClaude(ctx);
    expect(await logOf(a)).toContain('account=none');
    const containerA = await bottleContainer(a);
    await loginInside(containerA, 'alice', first, Date.now() + 8 * HOUR);
    await sync.tick();
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain(first);
    // The front ends are told, even when the very first look already found the login.
    expect(changed).toEqual(['claude']);
    // The store is the operator's alone.
    expect((await stat(join(claudeBottleRoot(), 'credentials'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(claudeBottleRoot(), 'credentials', 'claude', 'files', '.credentials.json'))).mode & 0o777).toBe(0o600);

    const b = await startClaude(ctx);
    expect(await logOf(b)).toContain('account=alice');
    const containerB = await bottleContainer(b);
    // In the bottle: the agent's own file, readable by it alone.
    expect((await execAsAgent(containerB, ['stat', '-c', '%u %a', `${STAND_IN_CONFIG_DIR}/.credentials.json`])).output.trim()).toBe(
      '1000 600',
    );

    // Claude Code refreshes its token inside B: the store gets it, and so does A (still running).
    await loginInside(containerB, 'alice', refreshed, Date.now() + 16 * HOUR);
    await sync.tick();
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain(refreshed);
    await sync.tick();
    expect(await loginFileIn(containerA)).toContain(refreshed);

    const c = await startClaude(ctx);
    const containerC = await bottleContainer(c);
    expect(await loginFileIn(containerC)).toContain(refreshed);

    // An older login (earlier expiry) written in C loses: the store keeps the newer one and C gets it back.
    await loginInside(containerC, 'mallory', stale, Date.now() + HOUR);
    await sync.tick();
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain(refreshed);
    await sync.tick();
    expect(await loginFileIn(containerC)).toContain(refreshed);

    // Neither docker inspect nor anything under the state root ever holds a token.
    expect(await inspectText([containerA, containerB, containerC])).not.toMatch(new RegExp(`${first}|${refreshed}|${stale}`));
    await service(ctx).stop(a);
    await service(ctx).stop(b);
    await service(ctx).remove(c, { keepState: true });
    for (const token of [first, refreshed, stale]) expect(await grepOutsideStore(env.home(), token)).toBe('');
    // The transcript itself was saved: only the login stayed out.
    expect(await readdir(join(env.home(), 'state', a, 'transcript'))).toContain('stand-in.log');
    expect(await readdir(join(env.home(), 'state', a, 'transcript'))).not.toContain('.credentials.json');

    // Resumed bottles start signed in with the newest login too.
    await service(ctx).resume(a);
    await eventually(async () => expect(await logOf(a)).toMatch(/args=\[--continue\].*account=alice/));
    expect(await loginFileIn(await bottleContainer(a))).toContain(refreshed);
    // Three bottles, stopped and resumed: slow on a busy shared engine, so a longer budget.
  }, 240_000);

  it('a login picked up when the bottle stops (the CLI, no live app); forget signs new bottles out and old bottles never sign the store back in', async () => {
    const ctx = createCoreDeps();
    const token = testToken('cli');
    const a = await startClaude(ctx);
    const containerA = await bottleContainer(a);
    await loginInside(containerA, 'bob', token, Date.now() + 8 * HOUR);
    const stopped = await runCli(['stop', a]);
    expect(stopped.code, stopped.stderr).toBe(0);
    const status = JSON.parse((await runCli(['credentials', 'status', '--json'])).stdout) as {
      method: string | null;
      entries: { name: string; detail: string | null }[];
    };
    expect(status.method).toBe('subscription');
    expect(status.entries).toMatchObject([{ name: '.credentials.json', detail: 'max' }]);
    expect(await grepOutsideStore(env.home(), token)).toBe('');

    const b = await startClaude(ctx);
    expect(await logOf(b)).toContain('account=bob');
    const human = await runCli(['credentials']);
    expect(human.stdout).toMatch(/^claude: subscription \(max\)/);
    expect(human.stdout).not.toContain(token);

    const forgotten = await runCli(['credentials', 'forget', '--json']);
    expect(forgotten.code, forgotten.stderr).toBe(0);
    expect(JSON.parse(forgotten.stdout)).toMatchObject({ set: 'claude', method: null });
    const c = await startClaude(ctx);
    expect(await logOf(c)).toContain('account=none');

    // B still holds the old session; its refresh after the sign-out is not taken back.
    await loginInside(await bottleContainer(b), 'bob', testToken('after-forget'), Date.now() + 24 * HOUR);
    const sync = new CredentialSync(ctx, { changed: () => undefined, failure: () => undefined });
    await sync.tick();
    await runCli(['stop', b]);
    expect(await readStoredFile('claude', '.credentials.json')).toBeNull();
    // A login in a bottle started after the sign-out is.
    const fresh = testToken('fresh');
    await loginInside(await bottleContainer(c), 'carol', fresh, Date.now() + 8 * HOUR);
    await sync.tick();
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain(fresh);
  }, 240_000);

  it('the live core picks up a login within seconds, and pushes the sign-in state to the front ends', async () => {
    const ctx = createCoreDeps();
    const core = createCore({ deps: ctx, live: true });
    const events: string[] = [];
    core.subscribe((event) => {
      if (event.type === 'credentials') events.push(event.status.method ?? 'none');
    });
    try {
      const a = await startClaude(ctx);
      await loginInside(await bottleContainer(a), 'dana', testToken('live'), Date.now() + 8 * HOUR);
      await eventually(async () => expect((await core.credentials.status()).method).toBe('subscription'), 30_000);
      await eventually(async () => expect(events).toContain('subscription'), 30_000);
    } finally {
      await core.close();
    }
  });

  it('a token and an API key reach the agent as files: in its environment, never in docker inspect', async () => {
    const oauth = testToken('setup-token');
    const apiKey = testToken('api03');
    // Stored with `credentials set` (piped in, never an argument), the key from the launching shell.
    const set = await runCli(['credentials', 'set', 'CLAUDE_CODE_OAUTH_TOKEN'], {}, 60_000, `${oauth}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(oauth);
    const started = await runCli(['start', 'claude', '--cwd', env.project(), '--copy', '--detach', '--json'], {
      ANTHROPIC_API_KEY: apiKey,
    });
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as { identity: string };
    await eventually(async () => expect(await logOf(identity)).toContain(`oauth=${md5(oauth)} apikey=${md5(apiKey)}`));
    const inspected = await (await bottleContainer(identity)).inspect();
    expect(JSON.stringify(inspected)).not.toContain(oauth);
    expect(JSON.stringify(inspected)).not.toContain(apiKey);
    expect(inspected.Config.Cmd).toEqual(['/opt/claude-bottle/bin/with-bottle-secrets', 'claude']);
    expect(await grepOutsideStore(env.home(), oauth)).toBe('');
    expect(await grepOutsideStore(env.home(), apiKey)).toBe('');
    // The key was only in the launching shell: it is not stored.
    expect(
      await readFile(join(claudeBottleRoot(), 'credentials', 'claude', 'env', 'ANTHROPIC_API_KEY'), 'utf8').catch(() => null),
    ).toBeNull();
  });

  it('a login saved in a snapshot by an older version moves to the store when the bottle resumes', async () => {
    const ctx = createCoreDeps();
    const a = await startClaude(ctx);
    await service(ctx).stop(a);
    const legacy = testToken('legacy');
    await writeLoginFile(join(env.home(), 'state', a, 'transcript'), 'erin', legacy);
    await service(ctx).resume(a);
    await eventually(async () => expect(await logOf(a)).toMatch(/--continue.*account=erin/));
    expect(await grepOutsideStore(env.home(), legacy)).toBe('');
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain(legacy);
  });
});
