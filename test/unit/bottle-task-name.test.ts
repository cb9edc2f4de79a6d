import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS, promptArgsFor } from '../../src/core/agents/agent-options';
import { agentDefinition, loadAgent, type AgentConfig } from '../../src/core/agents/agents';
import { requireTaskText } from '../../src/core/bottles/agent-input';
import { launchCommand, SECRETS_WRAPPER } from '../../src/core/bottles/bottle-setup';
import { claimBottleName, listBottleNames, requireBottleName } from '../../src/core/state/bottle-names';
import { readBottleOptions, writeBottleOptions } from '../../src/core/state/bottle-options';
import { bottlePaths, claudeBottleRoot } from '../../src/core/state/state-paths';
import { MAX_TASK_CHARS } from '../../src/shared/agent-reports';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

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
const none = { files: [], env: [] };
const options = (task: string | null, autonomous = false): { autonomous: boolean; name: null; task: string | null } => ({
  autonomous,
  name: null,
  task,
});

async function agentJson(name: string, json: unknown): Promise<string> {
  const dir = join(claudeBottleRoot(), 'agents', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.json'), JSON.stringify(json));
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  return dir;
}

describe('promptArgs: the task at the first start', () => {
  it('appends the task after autonomousArgs at the first start, never on resume, inside the secrets wrapper', () => {
    const claude = agent({ autonomousArgs: ['--yolo'], promptArgs: ['--', '{prompt}'] });
    expect(launchCommand(claude, options('fix the tests'), false, none)).toEqual(['claude', '--', 'fix the tests']);
    expect(launchCommand(claude, options('-rf $HOME "x"'), false, none)).toEqual(['claude', '--', '-rf $HOME "x"']);
    expect(launchCommand(claude, options('go', true), false, none)).toEqual(['claude', '--yolo', '--', 'go']);
    expect(launchCommand(claude, options('go'), true, none)).toEqual(['claude', '--continue']);
    expect(launchCommand(claude, options(null), false, none)).toEqual(['claude']);
    expect(launchCommand(claude, options('go'), false, { files: [], env: [{ name: 'K', value: 'v' }] })).toEqual([
      SECRETS_WRAPPER,
      'claude',
      '--',
      'go',
    ]);
  });

  it('replaces every {prompt} as given: $& and $1 in a task are not replacement patterns', () => {
    expect(promptArgsFor({ promptArgs: ['-p', '--task={prompt}', '{prompt}{prompt}'] }, 'a$&b$1')).toEqual([
      '-p',
      '--task=a$&b$1',
      'a$&b$1a$&b$1',
    ]);
  });

  it('an agent without promptArgs refuses a task at the first start in one line, and resumes a bottle that had one', () => {
    expect(() => launchCommand(agent(), options('go'), false, none)).toThrow(
      /^agent "claude" takes no task at start \(agent.json "promptArgs"\)$/,
    );
    expect(launchCommand(agent(), options('go'), true, none)).toEqual(['claude', '--continue']);
  });

  it('the shipped claude agent declares how it takes its first instruction', async () => {
    const claude = await loadAgent('claude');
    // Claude Code's positional prompt, after `--`: a task starting with "-" is not read as an option.
    expect(claude.config.promptArgs).toEqual(['--', '{prompt}']);
    expect(launchCommand(claude, options('- [ ] fix it', true), false, none)).toEqual([
      'claude',
      '--dangerously-skip-permissions',
      '--',
      '- [ ] fix it',
    ]);
  });

  it.each([
    ['no {prompt} in it', { command: ['x'], promptArgs: ['--task'] }, /field "promptArgs": must hold \{prompt\} where the task goes/],
    ['an empty argument', { command: ['x'], promptArgs: ['', '{prompt}'] }, /field "promptArgs.0"/],
    ['not a list', { command: ['x'], promptArgs: '{prompt}' }, /field "promptArgs"/],
  ])('agent.json promptArgs with %s is refused, naming the field', async (_what, json, message) => {
    await agentJson('broken', json);
    await expect(loadAgent('broken')).rejects.toThrow(message);
  });
});

describe('a task and a name as the core takes them', () => {
  it('a task is one bounded text: newlines and tabs, never other control characters', () => {
    expect(requireTaskText('fix it\n\tthen test', 'task')).toBe('fix it\n\tthen test');
    expect(() => requireTaskText('', 'task')).toThrow(/^the task must not be empty$/);
    expect(() => requireTaskText('x'.repeat(MAX_TASK_CHARS + 1), 'message')).toThrow(/^the message must be at most 8000 characters$/);
    for (const hostile of ['\u001b[2J', 'a\rb', 'x\u0003', '\u009b31m', 'del\u007f'])
      expect(() => requireTaskText(hostile, 'message')).toThrow(/must not hold control characters/);
  });

  it('a name is a plain word: never a path, an option or a control character', () => {
    expect(requireBottleName('web-fix_2.b')).toBe('web-fix_2.b');
    for (const hostile of ['', '../x', 'a/b', '-rf', '.hidden', 'a b', 'x\u001b', 'n'.repeat(65)])
      expect(() => requireBottleName(hostile)).toThrow(/^invalid bottle name .*: 1-64 letters/);
  });

  it('name and task are kept in the bottle options and read back; a hand-edited bad value reads as none', async () => {
    await mkdir(bottlePaths('dev-aaaaa').dir, { recursive: true });
    await writeBottleOptions('dev-aaaaa', { autonomous: false, name: 'web', task: 'fix\nit' });
    expect(readBottleOptions('dev-aaaaa')).toEqual({ autonomous: false, name: 'web', task: 'fix\nit' });
    await writeFile(bottlePaths('dev-aaaaa').options, JSON.stringify({ version: 1, autonomous: true, name: '../x', task: 'a\u001b[2Jb' }));
    expect(readBottleOptions('dev-aaaaa')).toEqual({ autonomous: true, name: null, task: null });
  });

  it('a name is taken once among the root bottles; the name of a bottle folder too', async () => {
    for (const identity of ['dev-aaaaa', 'dev-bbbbb']) await mkdir(bottlePaths(identity).dir, { recursive: true });
    await writeBottleOptions('dev-aaaaa', { autonomous: false, name: 'web', task: null });
    expect(await listBottleNames()).toEqual(
      expect.arrayContaining([
        { identity: 'dev-aaaaa', name: 'web' },
        { identity: 'dev-bbbbb', name: null },
      ]),
    );
    let wrote = 0;
    const write = async (): Promise<void> => {
      wrote += 1;
    };
    await expect(claimBottleName('web', write)).rejects.toThrow(/^the name "web" is taken by bottle dev-aaaaa$/);
    await expect(claimBottleName('dev-bbbbb', write)).rejects.toThrow(/taken by bottle dev-bbbbb/);
    expect(wrote).toBe(0);
    await claimBottleName('api', write);
    expect(wrote).toBe(1);
  });
});
