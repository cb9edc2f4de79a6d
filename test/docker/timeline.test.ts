import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { TimelineEvent } from '../../src/shared/timeline';
import type { ForkResult } from '../../src/shared/forks';
import { processInbox, rebuildViewFields } from '../../src/core/rebuild';
import { timelinePath } from '../../src/core/timeline';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, writeTree } from '../helpers/changes-fixtures';
import { skipWithoutDocker } from '../helpers/docker-available';
import { eventually } from '../helpers/docker-exec';
import { runCli, type CliResult } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();
const SECRET = `sk-ant-test-${Math.random().toString(36).slice(2)}timeline`;

/**
 * An agent with an API key that leaks it wherever it can write text the timeline takes: a request's
 * reason and its last message. It asks for two capabilities in turn (the test rejects the first,
 * approves the second), then, resumed in its new image, reports that it waits.
 */
const SCRIPT = [
  'inbox=/run/claude-bottle/inbox',
  'status() {',
  '  printf \'{"version":1,"state":"%s","tool":"Bash","detail":"x","message":"%s","at":"2026-12-04T10:00:00Z"}\' "$1" "$2" > "$inbox/.tmp-status-$$"',
  '  mv -f "$inbox/.tmp-status-$$" "$inbox/.agent-status"',
  '}',
  'ask() {',
  '  capability-block --reason "$1" --run "$2" > /tmp/cb.out 2>&1',
  '  id=$(sed -n "s/^Request \\([^ ]*\\) sent.*/\\1/p" /tmp/cb.out)',
  '  while [ ! -f "$inbox/$id.response.json" ]; do sleep 0.2; done',
  '}',
  'if [ "$1" = start ]; then',
  '  status working ""',
  '  echo "agent work" > /workspace/agent-work.txt',
  '  ask "need jq, my key is $ANTHROPIC_API_KEY" "echo one > /opt/one"',
  '  ask "need curl" "echo two > /opt/two"',
  'fi',
  'status waiting "done, key $ANTHROPIC_API_KEY"',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'README.md': 'hello\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
  await writeTestAgent({ name: 'leaky', script: SCRIPT, env: ['ANTHROPIC_API_KEY'], extraConfig: { promptArgs: ['--', '{prompt}'] } });
});

async function cli(args: string[], cliEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await runCli(args, cliEnv);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout + result.stderr).not.toContain(SECRET);
  return result;
}

async function pendingId(identity: string, not?: string): Promise<string> {
  return eventually(async () => {
    await processInbox(identity);
    const id = (await rebuildViewFields(identity)).pendingRequest?.id;
    if (id === undefined || id === not) throw new Error('no new pending request yet');
    return id;
  }, 60_000);
}

describe.skipIf(skipWithoutDocker)('claude-bottle timeline (issue 24 item 4)', () => {
  it('lists start, two requests (rejected, approved), the build, a checkpoint and an apply in order, in the CLI and both exports, with no secret anywhere', async () => {
    const started = await runCli(['start', 'leaky', '--cwd', project, '--copy', '--detach', '--json', '--prompt', 'add a file'], {
      ANTHROPIC_API_KEY: SECRET,
    });
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;

    const first = await pendingId(identity);
    await cli(['reject', identity, '--request', first, '--message', 'no jq for you']);
    const second = await pendingId(identity, first);
    // The key passes by name to the resumed container too: its agent leaks it in its last message.
    await cli(['approve', identity, '--request', second, '--resume', '--yes'], { ANTHROPIC_API_KEY: SECRET });
    // The resumed agent reports it waits: a turn, read when a command settles its inbox.
    await eventually(async () => {
      // show prints the agent's last message as it wrote it (leaked key included: not the timeline's to change).
      expect((await runCli(['show', identity])).code).toBe(0);
      const turns = JSON.parse((await cli(['timeline', identity, '--json', '--kind', 'turn'])).stdout) as TimelineEvent[];
      expect(turns.map((turn) => turn.state)).toContain('waiting');
    }, 60_000);
    await cli(['checkpoint', identity, '--name', 'after approval']);
    const forked = JSON.parse((await cli(['fork', identity, '--from', 'after approval', '--detach', '--json'])).stdout) as ForkResult;
    expect(forked.forks).toHaveLength(1);
    await cli(['apply', identity]);

    const events = JSON.parse((await cli(['timeline', identity, '--json'])).stdout) as TimelineEvent[];
    const story = events
      .filter((event) => event.kind !== 'turn')
      .map((event) => [event.kind, event.decision ?? event.reason ?? event.outcome ?? event.request?.id ?? ''].join(' ').trim());
    expect(story).toEqual([
      'start',
      `request need jq, my key is sk-ant-[redacted]`,
      'decision rejected',
      'request need curl',
      'decision approved',
      'build built',
      'stop approval',
      'checkpoint',
      'resume',
      'checkpoint',
      'fork',
      'apply',
    ]);
    expect(events.find((event) => event.kind === 'start')?.instruction).toBe('add a file');
    expect(events.find((event) => event.decision === 'approved')).toMatchObject({ request: { type: 'dockerfile', id: second } });
    expect(events.find((event) => event.decision === 'approved')?.diff).toContain('+RUN echo two > /opt/two');
    expect(events.find((event) => event.decision === 'rejected')).toMatchObject({ request: { id: first }, reason: 'no jq for you' });
    // The approval kept the state before its rebuild as a checkpoint of its own (checkpoint-at-approval).
    expect(events.filter((event) => event.kind === 'checkpoint').map((event) => event.checkpoint?.name)).toEqual([
      `approval of ${second}`,
      'after approval',
    ]);
    const fork = events.find((event) => event.kind === 'fork');
    expect(fork).toMatchObject({ identities: [forked.forks[0]?.identity], checkpoint: { name: 'after approval' } });
    // The fork's own timeline begins where it came from.
    const child = JSON.parse((await cli(['timeline', forked.forks[0]?.identity ?? '', '--json'])).stdout) as TimelineEvent[];
    expect(child.map((event) => event.kind)).toContain('forked-from');
    expect(child.find((event) => event.kind === 'forked-from')).toMatchObject({ from: identity, checkpoint: { name: 'after approval' } });
    expect(events.find((event) => event.kind === 'apply')?.count).toBe(1);
    expect(events.find((event) => event.state === 'waiting')?.lastMessage).toBe('done, key sk-ant-[redacted]');

    // The table: one row an event in the same order, aligned columns.
    const table = (await cli(['timeline', identity])).stdout.trimEnd().split('\n');
    expect(table[0]).toMatch(/^TIME \(UTC\)\s+KIND\s+WHAT\s+BY$/);
    expect(table).toHaveLength(events.length + 1);
    const kindColumn = (table[0] ?? '').indexOf('KIND');
    expect(table.slice(1).map((row) => row.slice(kindColumn).split(' ')[0])).toEqual(events.map((event) => event.kind));
    const filtered = (await cli(['timeline', identity, '--kind', 'decision,checkpoint'])).stdout.trimEnd().split('\n');
    // The header, two decisions, and two checkpoints (the approval's and the named one).
    expect(filtered).toHaveLength(5);
    const badKind = await runCli(['timeline', identity, '--kind', 'start,\u001b[31mx']);
    expect(badKind.code).not.toBe(0);
    expect(badKind.stderr).toMatch(/unknown kind/);
    expect(badKind.stderr).not.toContain('\u001b');

    // The export: every event as JSON Lines; then the decisions as OCSF; an existing file is refused without --force.
    const file = join(env.home(), 'timeline.jsonl');
    await cli(['timeline', identity, '--export', file]);
    const exported = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as TimelineEvent);
    expect(exported).toEqual(events);
    const refused = await runCli(['timeline', identity, '--export', file, '--ocsf']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/exists: give another file, or --force/)]);
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(events.length);
    await cli(['timeline', identity, '--export', file, '--ocsf', '--force']);
    const ocsf = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ocsf).toMatchObject([
      { class_uid: 6003, status: 'rejected', status_id: 2, api: { request: { uid: first } }, src_endpoint: { name: identity } },
      { class_uid: 6003, status: 'approved', status_id: 1, api: { request: { uid: second } } },
    ]);

    // The key is nowhere: not in the file, the journal's view of it, nor either export.
    expect(await readFile(timelinePath(identity), 'utf8')).not.toContain(SECRET);
    expect(await readFile(file, 'utf8')).not.toContain(SECRET);
    await writeFile(file, '');
    await cli(['timeline', identity, '--export', file, '--force']);
    expect(await readFile(file, 'utf8')).not.toContain(SECRET);
    // The journal the Python CLI shares keeps its own format: no timeline field went into it.
    const journal = (await readFile(bottlePaths(identity).journal, 'utf8')).trimEnd().split('\n');
    expect(journal.map((line) => Object.keys(JSON.parse(line) as object).sort())).toEqual(
      journal.map(() => ['at', 'by', 'decision', 'diff', 'imageId', 'message', 'reason', 'requestId'].sort()),
    );
  }, 400_000);
});
