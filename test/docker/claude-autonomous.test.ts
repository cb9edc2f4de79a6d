import { chown, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { processInbox } from '../../src/core/rebuild';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { bottlePaths, claudeBottleRoot, credentialsRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { execAsAgent, loginFileIn, STAND_IN_LOG, testToken, writeClaudeStandIn, writeLoginFile } from '../helpers/claude-stand-in';
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

const isRoot = process.getuid?.() === 0;

async function logOf(identity: string): Promise<string> {
  return (await execAsAgent(await bottleContainer(identity), ['cat', STAND_IN_LOG])).output;
}

/** A capability-block request written into the inbox, as the in-bottle tool writes one. */
async function askForRebuild(identity: string): Promise<string> {
  const id = `req-${Math.random().toString(36).slice(2, 8)}`;
  const request = { version: 1, id, created_at: new Date().toISOString(), reason: 'needs a marker', run: ['echo built > /opt/marker'] };
  await writeFile(join(bottlePaths(identity).inbox, `${id}.json`), JSON.stringify(request));
  await processInbox(identity);
  return id;
}

async function startIn(ctx: CoreDeps, cwd: string, copy: boolean, autonomous: boolean): Promise<string> {
  const { identity } = await service(ctx).start({ agent: 'claude', cwd, copy, autonomous });
  return identity;
}

describe.skipIf(skipWithoutDocker)('autonomous mode with a stand-in Claude Code on a real engine', () => {
  it.skipIf(!isRoot)(
    'as uid 0 (a root-owned mounted folder): IS_SANDBOX=1 makes the agent accept it; without it the card says why it exited',
    async () => {
      const ctx = createCoreDeps();
      await chown(env.project(), 0, 0);
      const identity = await startIn(ctx, env.project(), false, true);
      await eventually(async () =>
        expect(await logOf(identity)).toContain('args=[--dangerously-skip-permissions] uid=0 autonomous=yes sandbox=1'),
      );
      expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
      expect((await service(ctx).view(identity))?.autonomous).toBe(true);

      // An agent that does not set IS_SANDBOX as root: Claude Code refuses, and the bottle says so.
      await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'), { name: 'claude-nosandbox', withoutRootEnv: true });
      const { identity: refused } = await service(ctx).start({
        agent: 'claude-nosandbox',
        cwd: env.project(),
        copy: false,
        autonomous: true,
      });
      const view = await eventually(async () => {
        const current = await service(ctx).view(refused);
        if (current?.earlyExit == null) throw new Error(`not exited early yet (${current?.status ?? 'none'})`);
        return current;
      }, 30_000);
      expect(view.status).toBe('exited');
      expect(view.earlyExit).toMatchObject({ exitCode: 1, reason: 'it refuses to run autonomously as root' });
      expect(view.earlyExit?.lines.join('\n')).toContain('cannot be used with root/sudo privileges');
      const shown = await runCli(['show', refused]);
      expect(shown.stdout).toMatch(/exited early: +it refuses to run autonomously as root \((within a second|after \d+ s), exit code 1\)/);
      expect(shown.stdout).toContain('| --dangerously-skip-permissions cannot be used with root/sudo privileges');
    },
  );

  it('as uid 1000 (copy mode): no IS_SANDBOX; launched plain it stays plain, and nothing extra is written', async () => {
    const ctx = createCoreDeps();
    const autonomous = await startIn(ctx, env.project(), true, true);
    await eventually(async () =>
      expect(await logOf(autonomous)).toContain('args=[--dangerously-skip-permissions] uid=1000 autonomous=yes sandbox=none'),
    );
    const plain = await startIn(ctx, env.project(), true, false);
    await eventually(async () => expect(await logOf(plain)).toContain('args=[] uid=1000 autonomous=no'));
    expect((await service(ctx).view(plain))?.autonomous).toBe(false);
    expect(await readdir(bottlePaths(plain).dir)).not.toContain('bottle-options.json');
    // metadata.json keeps exactly its five keys; the choice lives in our own file.
    for (const identity of [autonomous, plain]) {
      expect(Object.keys(JSON.parse(await readFile(bottlePaths(identity).metadata, 'utf8')) as object)).toEqual([
        'identity',
        'agent_name',
        'cwd',
        'copy_cwd',
        'started_at',
      ]);
    }
    const listed = await runCli(['ls']);
    expect(listed.stdout).toMatch(new RegExp(`${autonomous} .*copy \\(autonomous\\)`));
  });

  it.skipIf(!isRoot)(
    'as uid 1234 (mounted folder): kept across stop, resume, and a rebuild (approve & resume), holding the signed-in placeholder throughout',
    async () => {
      const ctx = createCoreDeps();
      await chown(env.project(), 1234, 1234);
      // Signed in at home (issue 20): every launch puts the login's placeholder into the bottle.
      const token = testToken('rebuild');
      await mkdir(join(credentialsRoot(), 'claude', 'files'), { recursive: true });
      await writeLoginFile(join(credentialsRoot(), 'claude', 'files'), 'frank', token);
      const signedIn = async (): Promise<void> => {
        const login = await loginFileIn(await bottleContainer(identity));
        expect(login).toContain('sk-ant-oat01-claude-bottle-placeholder-');
        expect(login).not.toContain(token);
      };
      const identity = await startIn(ctx, env.project(), false, true);
      await eventually(async () =>
        expect(await logOf(identity)).toContain('args=[--dangerously-skip-permissions] uid=1234 autonomous=yes sandbox=none'),
      );
      await signedIn();

      await service(ctx).stop(identity);
      await service(ctx).resume(identity);
      await eventually(async () =>
        expect(await logOf(identity)).toContain('args=[--continue --dangerously-skip-permissions] uid=1234 autonomous=yes sandbox=none'),
      );
      await signedIn();

      const requestId = await askForRebuild(identity);
      await service(ctx).approve(identity, { requestId, resume: true });
      const container = await bottleContainer(identity);
      expect((await execAsAgent(container, ['cat', '/opt/marker'])).output).toBe('built\n');
      await eventually(async () => {
        const runs = (await logOf(identity)).split('\n').filter((line) => line.startsWith('CLAUDE run'));
        expect(runs).toHaveLength(3);
        expect(runs[2]).toContain('args=[--continue --dangerously-skip-permissions] uid=1234 autonomous=yes sandbox=none');
      });
      await signedIn();
      expect((await service(ctx).view(identity))?.autonomous).toBe(true);
      expect((await runCli(['show', identity])).stdout).toMatch(/autonomous: +yes/);
      // Start, stop, resume, build and resume again: a longer budget on a busy shared engine.
    },
    240_000,
  );

  it('refuses autonomous for an agent that has no autonomous mode, before writing anything', async () => {
    const ctx = createCoreDeps();
    await expect(service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: true, autonomous: true })).rejects.toThrow(
      /agent "scripted" has no autonomous mode/,
    );
    expect(await readdir(join(env.home(), 'state')).catch(() => [])).toEqual([]);
  });
});
