import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/core/agents/agent-options';
import { agentDefinition, type AgentConfig } from '../../src/core/agents/agents';
import { launchCommand, rootEnvFor, SECRETS_WRAPPER } from '../../src/core/bottles/bottle-setup';
import { cleanOutputTail, earlyExitOf, endedByOutsideSignal, ranForMs } from '../../src/core/bottles/early-exit';
import { exitReason } from '../../src/core/bottles/exit-reason';
import { appendHostFile, collectHostConfig } from '../../src/core/bottles/host-config';
import { bottleToolDir } from '../../src/core/base/resources';
import { BottleCaches } from '../../src/core/base/bottle-caches';
import type { CoreDeps } from '../../src/core/deps/core-deps';
import { DEFAULT_SETTINGS, readSettings } from '../../src/core/state/settings';
import { settingsPath, stateDir } from '../../src/core/state/state-paths';
import { busyboxOnlyPath } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

const root = useTempHome();
const run = promisify(execFile);

const config = (overrides: Partial<AgentConfig> = {}): AgentConfig => ({
  description: '',
  command: ['claude'],
  resumeCommand: ['claude', '--continue'],
  forkCommand: ['claude', '--continue'],
  workdir: '/workspace',
  user: 'node',
  transcriptDir: '/home/node/.claude',
  env: [],
  ...DEFAULT_AGENT_OPTIONS,
  ...overrides,
});
const agent = (overrides: Partial<AgentConfig> = {}): ReturnType<typeof agentDefinition> =>
  agentDefinition({ name: 'claude', dir: '/nowhere', source: 'builtin', config: config(overrides) });

describe('the launch command', () => {
  it('appends autonomousArgs only when chosen, to command and resumeCommand, and wraps it when secrets travel as files', () => {
    const claude = agent({ autonomousArgs: ['--dangerously-skip-permissions'] });
    const none = { files: [], env: [] };
    expect(launchCommand(claude, { autonomous: false, name: null, task: null }, false, none)).toEqual(['claude']);
    expect(launchCommand(claude, { autonomous: true, name: null, task: null }, false, none)).toEqual([
      'claude',
      '--dangerously-skip-permissions',
    ]);
    expect(launchCommand(claude, { autonomous: true, name: null, task: null }, true, none)).toEqual([
      'claude',
      '--continue',
      '--dangerously-skip-permissions',
    ]);
    expect(
      launchCommand(claude, { autonomous: false, name: null, task: null }, true, {
        files: [],
        env: [{ name: 'ANTHROPIC_API_KEY', value: 'k' }],
      }),
    ).toEqual([SECRETS_WRAPPER, 'claude', '--continue']);
    expect(() => launchCommand(agent(), { autonomous: true, name: null, task: null }, false, none)).toThrow(/has no autonomous mode/);
  });

  it('sets rootEnv only for uid 0', () => {
    const claude = agent({ rootEnv: { IS_SANDBOX: '1' } });
    expect(rootEnvFor(claude, 0)).toEqual(['IS_SANDBOX=1']);
    expect(rootEnvFor(claude, 1000)).toEqual([]);
    expect(rootEnvFor(claude, -1)).toEqual([]);
  });
});

describe('with-bottle-secrets (the in-bottle wrapper)', () => {
  it('exports one variable per file, values exact, bad names skipped, then execs the command (busybox sh)', async () => {
    const dir = join(root(), 'secrets');
    await mkdir(dir);
    await writeFile(join(dir, 'ANTHROPIC_API_KEY'), 'sk-ant-with $pecial "chars"\n');
    await writeFile(join(dir, 'CLAUDE_CODE_OAUTH_TOKEN'), 'tok');
    await writeFile(join(dir, 'BAD-NAME'), 'x');
    await writeFile(join(dir, '1LEADING'), 'x');
    const { stdout } = await run(
      '/bin/busybox',
      [
        'sh',
        join(bottleToolDir(), 'bin', 'with-bottle-secrets'),
        'sh',
        '-c',
        'printf "[%s][%s]" "$ANTHROPIC_API_KEY" "$CLAUDE_CODE_OAUTH_TOKEN"; env | grep -c -e BAD -e LEADING',
      ],
      {
        env: { PATH: busyboxOnlyPath(), CLAUDE_BOTTLE_SECRETS: dir },
      },
    ).catch((error: { stdout: string }) => error);
    expect(stdout).toBe('[sk-ant-with $pecial "chars"\n][tok]0\n');
  });

  it('runs the command unchanged when there is no secrets folder', async () => {
    const { stdout } = await run('/bin/busybox', ['sh', join(bottleToolDir(), 'bin', 'with-bottle-secrets'), 'echo', 'plain'], {
      env: { PATH: busyboxOnlyPath(), CLAUDE_BOTTLE_SECRETS: join(root(), 'none') },
    });
    expect(stdout).toBe('plain\n');
  });
});

describe("the operator's setup from their home", () => {
  let hostHome = '';
  beforeEach(async () => {
    hostHome = await mkdtemp(join(tmpdir(), 'claude-bottle-host-'));
  });
  afterEach(async () => {
    await rm(hostHome, { recursive: true, force: true });
  });
  const spec = { from: '.claude', copy: ['settings.json', 'agents', 'skills', '.credentials.json', 'projects'], append: ['CLAUDE.md'] };

  it('copies what is named, never a login or other projects, follows links only inside, caps sizes', async () => {
    const dir = join(hostHome, '.claude');
    await mkdir(join(dir, 'agents', 'nested'), { recursive: true });
    await mkdir(join(dir, 'projects'), { recursive: true });
    await mkdir(join(hostHome, 'dotfiles'), { recursive: true });
    await writeFile(join(dir, 'settings.json'), '{}');
    await writeFile(join(dir, 'agents', 'nested', 'a.md'), 'a');
    await writeFile(join(dir, 'agents', 'big.md'), Buffer.alloc(1024 * 1024 + 1));
    await writeFile(join(dir, '.credentials.json'), 'login');
    await writeFile(join(hostHome, 'dotfiles', 'CLAUDE.md'), 'mine');
    await symlink(join(hostHome, 'dotfiles', 'CLAUDE.md'), join(dir, 'CLAUDE.md'));
    await symlink(join(dir, 'agents'), join(dir, 'agents', 'nested', 'loop'));
    await symlink('/etc', join(dir, 'skills'));
    const copy = await collectHostConfig(spec, ['.credentials.json'], hostHome);
    expect(copy.dirs).toEqual(['agents', 'agents/nested']);
    expect(copy.files.map((file) => file.path)).toEqual(['settings.json', 'agents/nested/a.md']);
    expect(copy.appends).toEqual([]);
    expect(copy.skipped).toEqual([
      '~/.claude/agents/big.md: larger than 1 MiB',
      '~/.claude/agents/nested/loop: a folder seen already (a link loop)',
      '~/.claude/skills: a link out of ~/.claude',
      '~/.claude/.credentials.json: never copied (a login, history or other projects)',
      '~/.claude/projects: never copied (a login, history or other projects)',
      '~/.claude/CLAUDE.md: a link out of ~/.claude',
    ]);
  });

  it('copies nothing when the folder is missing', async () => {
    expect(await collectHostConfig(spec, [], hostHome)).toEqual({ dirs: [], files: [], appends: [], copied: [], skipped: [] });
  });

  it('appends the operator’s file after the bottle’s own, marked', () => {
    expect(appendHostFile(Buffer.from('own\n'), 'CLAUDE.md', '.claude', Buffer.from('host')).toString()).toBe(
      "own\n\n# The operator's own CLAUDE.md (copied from ~/.claude/CLAUDE.md on their machine)\n\nhost",
    );
    expect(appendHostFile(null, 'CLAUDE.md', '.claude', Buffer.from('host')).toString()).toMatch(
      /^# The operator's own CLAUDE\.md .*\n\nhost$/,
    );
  });

  it('is on by default, off with "copyHostConfig": false', async () => {
    expect(DEFAULT_SETTINGS.copyHostConfig).toBe(true);
    expect((await readSettings()).copyHostConfig).toBe(true);
    await writeFile(settingsPath(), '{"copyHostConfig": false}');
    expect((await readSettings()).copyHostConfig).toBe(false);
    await writeFile(settingsPath(), '{"copyHostConfig": "no"}');
    await expect(readSettings()).rejects.toThrow(/field "copyHostConfig"/);
  });
});

describe('an agent that exits in its first minute', () => {
  it("reads a fast exit noted before its start (the engine's clock race, seen on Docker 20.10) as a run of no time, not an unknown one", () => {
    // Times an engine gave for `docker run … /bin/false`: FinishedAt a millisecond before StartedAt.
    expect(ranForMs('2026-12-03T13:09:17.243237248Z', '2026-12-03T13:09:17.242232358Z')).toBe(0);
    expect(ranForMs('2026-12-03T13:09:17.243Z', '2026-12-03T13:09:20.743Z')).toBe(3500);
    // Not set (Go's zero time), not a time, or far out of order: unknown.
    expect(ranForMs('2026-12-03T13:09:17.243Z', '0001-01-01T00:00:00Z')).toBeNull();
    expect(ranForMs('0001-01-01T00:00:00Z', '2026-12-03T13:09:17.243Z')).toBeNull();
    expect(ranForMs('soon', '2026-12-03T13:09:17.243Z')).toBeNull();
    expect(ranForMs('2026-12-03T13:09:19.243Z', '2026-12-03T13:09:17.243Z')).toBeNull();
  });

  it('keeps the last readable lines: escapes, redraws and secrets gone', () => {
    const output =
      '\x1b[2J\x1b[1;32mWelcome\x1b[0m\r\nloading 10%\rloading 100%\n\x1b]0;title\x07\nAPI key sk-ant-api03-abcdef used\n\n' +
      Array.from({ length: 20 }, (_, n) => `line ${n}`).join('\n');
    const lines = cleanOutputTail(output, 30);
    expect(lines.slice(0, 3)).toEqual(['Welcome', 'loading 100%', 'API key sk-ant-[redacted] used']);
    expect(cleanOutputTail(output)).toHaveLength(12);
    expect(cleanOutputTail(`${'x'.repeat(300)}\n`)[0]).toHaveLength(241);
  });

  it.each([
    [1, false, ['Invalid API key · Please run /login'], 'the login or key was refused'],
    [1, false, ['Not logged in · Please run /login'], 'not signed in'],
    [1, false, ['Error: getaddrinfo EAI_AGAIN api.anthropic.com'], 'no network: the API cannot be reached'],
    [
      1,
      false,
      ['--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons'],
      'it refuses to run autonomously as root',
    ],
    [127, false, ['sh: claude: not found'], "the agent's command was not found in the image"],
    [137, true, [], 'out of memory (killed by the memory limit)'],
    [0, false, ['bye'], 'the agent finished right away'],
    [3, false, ['something else'], 'the agent failed (exit code 3)'],
  ])('exit %i says why: %s', (code, oom, lines, reason) => {
    expect(exitReason(code, oom, lines)).toBe(reason);
  });

  it.each([
    [143, false, true],
    [137, false, true],
    [130, false, true],
    [129, false, true],
    [137, true, false],
    [139, false, false],
    [1, false, false],
    [0, false, false],
    [null, false, false],
  ])('exit %s (OOM-killed: %s) is by an outside signal: %s', (code, oom, bySignal) => {
    expect(endedByOutsideSignal(code, oom)).toBe(bySignal);
  });

  /** A bottle context whose one container exited as given, counting how often it is inspected. */
  function exitedContainer(exitCode: number, ranMs: number): { ctx: CoreDeps; inspections: () => number } {
    let inspections = 0;
    const startedAt = Date.parse('2026-01-01T00:00:00Z');
    const container = {
      inspect: async () => {
        inspections += 1;
        return {
          State: {
            Status: 'exited',
            Running: false,
            ExitCode: exitCode,
            OOMKilled: false,
            StartedAt: new Date(startedAt).toISOString(),
            FinishedAt: new Date(startedAt + ranMs).toISOString(),
          },
          Config: { Tty: true },
        };
      },
      logs: async () => Buffer.from('starting\nTerminated\n'),
    };
    const ctx = {
      docker: { getContainer: () => container },
      activity: { isBusy: () => false },
      caches: new BottleCaches(),
    } as unknown as CoreDeps;
    return { ctx, inspections: () => inspections };
  }

  it('is not what a stop or kill from outside did (the engine going down): nothing recorded, inspected once', async () => {
    for (const [code, id] of [
      [143, 'c143-signal'],
      [137, 'c137-signal'],
    ] as const) {
      const identity = `scripted-sig${code}`;
      await mkdir(stateDir(identity), { recursive: true });
      const { ctx, inspections } = exitedContainer(code, 150);
      expect(await earlyExitOf(ctx, identity, id)).toBeNull();
      expect(await earlyExitOf(ctx, identity, id)).toBeNull();
      expect(inspections()).toBe(1);
      expect(await readdir(stateDir(identity))).toEqual([]);
    }
  });

  it('is what the agent did when it exited by itself: recorded beside the bottle once', async () => {
    const identity = 'scripted-fail1';
    await mkdir(stateDir(identity), { recursive: true });
    const { ctx, inspections } = exitedContainer(1, 2400);
    const early = { exitCode: 1, seconds: 2, reason: 'the agent failed (exit code 1)', lines: ['starting', 'Terminated'] };
    expect(await earlyExitOf(ctx, identity, 'c1-self')).toEqual(early);
    expect(await earlyExitOf(ctx, identity, 'c1-self')).toEqual(early);
    expect(inspections()).toBe(1);
    expect(existsSync(join(stateDir(identity), 'early-exit.json'))).toBe(true);
  });
});
