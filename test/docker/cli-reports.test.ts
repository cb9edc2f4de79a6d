import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleDetail, BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

/*
 * Issue 21 from the CLI on a real engine: a name and a task at start (the task reaches the agent
 * as its first argv, once), `send` typing into the agent's terminal, and `<id>` as a prefix, a
 * suffix or a name.
 */

const { home, project: projectDir, listMine } = useBottleTestEnv();
let project = '';

const LOG = `${TEST_TRANSCRIPT_DIR}/tasked.log`;
/** Logs its argv, then every line typed into its terminal, to its transcript (kept across resumes). */
const TASKED_SCRIPT = [
  `t=${LOG}`,
  'mkdir -p "$(dirname "$t")"',
  'printf "argv:" >> "$t"; for a in "$@"; do printf " [%s]" "$a" >> "$t"; done; echo >> "$t"',
  'while IFS= read -r line; do echo "got: [$line]" >> "$t"; done',
  'exec sleep 3600',
].join('\n');

beforeEach(async () => {
  project = projectDir();
  await writeTestAgent({ name: 'tasked', script: TASKED_SCRIPT, extraConfig: { promptArgs: ['--', '{prompt}'] } });
});

async function stateFolders(): Promise<string[]> {
  return readdir(join(home(), 'state')).catch(() => []);
}

async function agentLog(identity: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['cat', LOG])).output;
}

async function start(args: string[]): Promise<BottleView> {
  const started = await runCli(['start', ...args, '--cwd', project, '--net', 'locked', '--detach', '--json']);
  expect(started.code, started.stderr).toBe(0);
  return JSON.parse(started.stdout) as BottleView;
}

/** A second terminal on the bottle, as `attach` or the app holds one: its input and output must survive a send. */
async function attachRaw(identity: string): Promise<{ stream: Duplex; output: () => string }> {
  const container = await bottleContainer(identity);
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  let seen = '';
  stream.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  return { stream, output: () => seen };
}

describe.skipIf(skipWithoutDocker)('claude-bottle start --name --prompt, send, and bottle references', () => {
  it('the task reaches the agent as its first instruction once; the name shows in ls and show; a taken name is refused', async () => {
    const task = '-n fix "the" tests; $HOME `id`';
    const view = await start(['tasked', '--name', 'web', `--prompt=${task}`]);
    expect(view).toMatchObject({ name: 'web', task, status: 'running' });
    await eventually(async () => expect(await agentLog(view.identity)).toContain(`argv: [start] [--] [${task}]`));

    const listed = await runCli(['ls']);
    expect(listed.stdout).toMatch(new RegExp(`^${view.identity}\\s+web\\s+tasked\\s`, 'm'));
    const shown = JSON.parse((await runCli(['show', 'web', '--json'])).stdout) as BottleDetail;
    expect(shown).toMatchObject({ identity: view.identity, name: 'web', task });
    expect((await runCli(['show', view.identity])).stdout).toMatch(/^name:\s+web$[\s\S]*^task:\s+-n fix "the" tests; \$HOME `id`$/m);

    // Another bottle may not take the name, nor any bottle's identity as one; nothing is left of the refused start.
    for (const [name, taken] of [
      ['web', view.identity],
      [view.identity, view.identity],
    ]) {
      const refused = await runCli(['start', 'scripted', '--name', name ?? '', '--cwd', project, '--detach', '--json']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr.trim()).toBe(`claude-bottle: the name "${name}" is taken by bottle ${taken}`);
    }
    expect(await stateFolders()).toEqual([view.identity]);

    // A resume continues the conversation: the task is not given again.
    expect((await runCli(['stop', 'web'])).code).toBe(0);
    expect((await runCli(['resume', 'web', '--detach', '--json'])).code).toBe(0);
    await eventually(async () => expect(await agentLog(view.identity)).toMatch(/argv: \[resume\]\n/));
    expect((await agentLog(view.identity)).match(/argv:/g)).toHaveLength(2);
    expect((await listMine())[0]).toMatchObject({ name: 'web', task });
  }, 180_000);

  it('two starts given one name at once: one bottle gets it, the other is refused and leaves nothing', async () => {
    const results = await Promise.all(
      [0, 1].map(() => runCli(['start', 'scripted', '--name', 'twin', '--cwd', project, '--net', 'locked', '--detach', '--json'])),
    );
    expect(results.map((result) => result.code).sort()).toEqual([0, 1]);
    const won = JSON.parse(results.find((result) => result.code === 0)?.stdout ?? '') as BottleView;
    expect(results.find((result) => result.code !== 0)?.stderr.trim()).toBe(
      `claude-bottle: the name "twin" is taken by bottle ${won.identity}`,
    );
    expect(await stateFolders()).toEqual([won.identity]);
  }, 120_000);

  it('an agent without promptArgs refuses --prompt in one line, and a bad name or task is refused: nothing is created', async () => {
    for (const [args, message] of [
      [['scripted', '--prompt', 'fix it'], 'claude-bottle: agent "scripted" takes no task at start (agent.json "promptArgs")'],
      [['tasked', '--name', '../x'], /^claude-bottle: invalid bottle name "\.\.\/x": /],
      [['tasked', '--prompt', 'x\u001b[2J'], 'claude-bottle: the task must not hold control characters other than newline and tab'],
    ] as const) {
      const refused = await runCli(['start', ...args, '--cwd', project, '--detach', '--json']);
      expect(refused.code).not.toBe(0);
      if (typeof message === 'string') expect(refused.stderr.trim()).toBe(message);
      else expect(refused.stderr.trim()).toMatch(message);
    }
    expect(await stateFolders()).toEqual([]);
  });

  it('send types into the agent terminal and presses Enter, beside an attached terminal; a stopped bottle is refused', async () => {
    const view = await start(['tasked']);
    await eventually(async () => expect(await agentLog(view.identity)).toContain('argv: [start]'));
    const other = await attachRaw(view.identity);
    try {
      const sent = await runCli(['send', view.identity, 'run the tests', 'then', '"push"']);
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout.trim()).toBe(`sent to ${view.identity}`);
      await eventually(async () => expect(await agentLog(view.identity)).toContain('got: [run the tests then "push"]'));
      // The other terminal saw it typed (the TTY echoes), and still types into the same agent: its stdin was not closed.
      await eventually(async () => expect(other.output()).toContain('run the tests then "push"'));
      other.stream.write('from the other terminal\r');
      await eventually(async () => expect(await agentLog(view.identity)).toContain('got: [from the other terminal]'));
      const second = await runCli(['send', view.identity, '--', '-second line']);
      expect(second.code, second.stderr).toBe(0);
      await eventually(async () => expect(await agentLog(view.identity)).toContain('got: [-second line]'));
    } finally {
      other.stream.destroy();
    }

    const hostile = await runCli(['send', view.identity, 'x\u0003y']);
    expect(hostile.code).not.toBe(0);
    expect(hostile.stderr.trim()).toBe('claude-bottle: the message must not hold control characters other than newline and tab');
    expect(await agentLog(view.identity)).not.toMatch(/got: \[x/);

    expect((await runCli(['stop', view.identity])).code).toBe(0);
    const refused = await runCli(['send', view.identity, 'hello']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(`claude-bottle: bottle ${view.identity} is not running: resume it first`);
  }, 120_000);

  it('every <id> takes a unique prefix, a suffix or a name; an ambiguous one lists the candidates; an unknown one says so', async () => {
    const [a, b, c] = await Promise.all([start(['scripted']), start(['scripted']), start(['tasked', '--name', 'api'])]);
    if (a === undefined || b === undefined || c === undefined) throw new Error('three bottles expected');
    const show = async (ref: string): Promise<string> => {
      const result = await runCli(['show', ref, '--json']);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as BottleDetail).identity;
    };
    expect(await show('tasked')).toBe(c.identity);
    expect(await show('api')).toBe(c.identity);
    expect(await show(a.identity.slice(-5))).toBe(a.identity);
    expect(await show(b.identity)).toBe(b.identity);

    const ambiguous = await runCli(['show', 'scripted']);
    expect(ambiguous.code).not.toBe(0);
    const pair = [a.identity, b.identity].sort();
    expect(ambiguous.stderr.trim()).toBe(`claude-bottle: "scripted" matches 2 bottles: ${pair.join(', ')}`);
    const unknown = await runCli(['stop', 'nothere']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim()).toMatch(/^claude-bottle: no bottle nothere \(no container, no state under [^\n]+\)$/);
    const hostile = await runCli(['logs', '../state']);
    expect(hostile.code).not.toBe(0);
    expect(hostile.stderr.trim()).toBe(
      'claude-bottle: invalid bottle identity "../state": expected an identity, a unique part of one, or a bottle name',
    );

    const logs = await runCli(['logs', b.identity.slice(-5)]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('agent run 1');
    const stopped = await runCli(['stop', 'api']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`stopped ${c.identity}`);
    const stoppedByPrefix = await runCli(['stop', a.identity.slice(0, -2)]);
    expect(stoppedByPrefix.code, stoppedByPrefix.stderr).toBe(0);
    const statuses = new Map((await listMine()).map((view) => [view.identity, view.status]));
    expect([statuses.get(a.identity), statuses.get(b.identity), statuses.get(c.identity)]).toEqual([
      'ready-to-resume',
      'running',
      'ready-to-resume',
    ]);
  }, 180_000);
});
