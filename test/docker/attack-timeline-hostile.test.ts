import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { TimelineEvent } from '../../src/shared/timeline';
import { processInbox } from '../../src/core/rebuild';
import { timelinePath } from '../../src/core/timeline';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli, type CliResult } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

/*
 * A hostile agent against the timeline (issue 24 item 4). In mount mode it writes the operator's
 * project folder, where an operator may well export the timeline: it plants links there to a host
 * file (~/.bashrc's stand-in) and a FIFO under the export's likely names, and fills every text the
 * timeline takes (its last message, a request's reason) with escapes, bidi overrides, shell
 * command substitutions and URLs carrying a login. It also tries to reach timeline.jsonl from its
 * inbox. The operator's own instruction carries a git URL with a password.
 */

const env = useBottleTestEnv();
const OPERATOR_SECRET = `opsecret${Math.random().toString(36).slice(2)}`;
const AGENT_SECRET = `agentsecret${Math.random().toString(36).slice(2)}`;
const RLO = '\u202e';

function script(victim: string, missing: string): string {
  // \342\200\256 is U+202E (right-to-left override) in UTF-8; \033 is ESC (refused in a report, kept in a file name).
  const message = `done \\342\\200\\256txt.exe $(touch /tmp/pwned) https://bob:${AGENT_SECRET}@git.example.com/x.git`;
  return [
    'inbox=/run/claude-bottle/inbox',
    'if [ "$1" = start ]; then',
    '  cd /workspace',
    `  ln -s ${victim} timeline.jsonl`,
    `  ln -s ${missing} fresh.jsonl`,
    '  mkfifo fifo.jsonl',
    // The host timeline is beside the inbox folder on the host: not from in here.
    '  echo \'{"v":1,"at":"2000-01-01T00:00:00Z","kind":"start","by":"forged"}\' >> "$inbox/../timeline.jsonl" 2>/dev/null',
    '  ln -s ../timeline.jsonl "$inbox/tl" 2>/dev/null; echo \'{"v":1,"at":"2000-01-01T00:00:00Z","kind":"start","by":"forged"}\' >> "$inbox/tl" 2>/dev/null',
    `  capability-block --reason "need jq $(printf '\\342\\200\\256') $(printf '\\033')[31m red https://tok${AGENT_SECRET}@example.com/" --run "echo x > /opt/x" > /tmp/cb.out 2>&1 &`,
    `  printf '{"version":1,"state":"waiting","tool":"Bash","message":"${message}","at":"2026-12-04T10:00:00Z"}' > "$inbox/.tmp-status"`,
    '  mv -f "$inbox/.tmp-status" "$inbox/.agent-status"',
    'fi',
    'touch /tmp/agent-done',
    'exec sleep 3600',
  ].join('\n');
}

function oneLineRefusal(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

function noSecretNorRawControl(text: string): void {
  expect(text).not.toContain(OPERATOR_SECRET);
  expect(text).not.toContain(AGENT_SECRET);
  expect(text).not.toContain('\u001b');
  expect(text).not.toContain(RLO);
}

let project = '';
let home = '';
beforeEach(async () => {
  project = env.project();
  home = await tempDir('attack-timeline-home-');
  await writeTree(project, { 'README.md': 'hello\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
});

describe.skipIf(skipWithoutDocker)('attack: a hostile agent against the timeline, on a real engine', () => {
  it(
    'planted links and a FIFO where the export goes, escapes, bidi and logins in every text: nothing followed, nothing raw, no secret',
    { timeout: 300_000 },
    async () => {
      const victim = join(home, '.bashrc');
      await writeFile(victim, '# the operator shell\n');
      const missing = join(home, 'made-through-a-link');
      await writeTestAgent({ name: 'hostile', script: script(victim, missing), extraConfig: { promptArgs: ['--', '{prompt}'] } });
      const started = await runCli([
        'start',
        'hostile',
        '--cwd',
        project,
        '--detach',
        '--json',
        '--prompt',
        `clone https://alice:${OPERATOR_SECRET}@git.example.com/x.git`,
      ]);
      expect(started.code, started.stderr).toBe(0);
      const { identity } = JSON.parse(started.stdout) as BottleView;
      await eventually(
        async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
        60_000,
      );

      // Its report and its request reach the timeline (read when a command settles the inbox).
      const events = await eventually(async () => {
        await processInbox(identity);
        expect((await runCli(['show', identity])).code).toBe(0);
        const result = await runCli(['timeline', identity, '--json']);
        expect(result.code, result.stderr).toBe(0);
        const read = JSON.parse(result.stdout) as TimelineEvent[];
        expect(read.map((event) => event.kind)).toEqual(expect.arrayContaining(['start', 'request', 'turn']));
        return read;
      }, 60_000);
      // What the agent wrote is there, escaped; the logins are not.
      expect(events.find((event) => event.kind === 'turn')?.lastMessage).toBe(
        'done \\u202etxt.exe $(touch /tmp/pwned) https://[redacted]@git.example.com/x.git',
      );
      expect(events.find((event) => event.kind === 'request')?.reason).toContain(
        'need jq \\u202e \\x1b[31m red https://[redacted]@example.com/',
      );
      expect(events.find((event) => event.kind === 'start')?.instruction).toBe('clone https://[redacted]@git.example.com/x.git');
      // Nothing the agent forged from its inbox: every event is ours, and the file has only lines we wrote.
      expect(events.map((event) => event.by)).not.toContain('forged');
      const file = await readFile(timelinePath(identity), 'utf8');
      expect(file).not.toContain('forged');
      noSecretNorRawControl(file);
      for (const args of [
        ['timeline', identity],
        ['timeline', identity, '--json'],
        ['timeline', identity, '--kind', 'turn,request'],
      ]) {
        const shown = await runCli(args);
        expect(shown.code, shown.stderr).toBe(0);
        noSecretNorRawControl(shown.stdout + shown.stderr);
      }

      // The export, into the project folder the agent shaped: the planted links are never followed.
      const planted = join(project, 'timeline.jsonl');
      oneLineRefusal(await runCli(['timeline', identity, '--export', planted]), /exists: give another file, or --force/);
      oneLineRefusal(await runCli(['timeline', identity, '--export', planted, '--force']), /is a symbolic link: not followed/);
      oneLineRefusal(await runCli(['timeline', identity, '--export', planted, '--ocsf', '--force']), /is a symbolic link: not followed/);
      oneLineRefusal(await runCli(['timeline', identity, '--export', join(project, 'fresh.jsonl'), '--force']), /is a symbolic link/);
      oneLineRefusal(await runCli(['timeline', identity, '--export', join(project, 'fresh.jsonl')]), /exists/);
      expect(await readFile(victim, 'utf8')).toBe('# the operator shell\n');
      expect(await stat(missing).catch(() => null)).toBeNull();
      expect(await readlink(planted)).toBe(victim);
      // A FIFO nobody reads: refused at once, never waited on (the CLI's own timeout would fail this).
      oneLineRefusal(
        await runCli(['timeline', identity, '--export', join(project, 'fifo.jsonl'), '--force'], {}, 60_000),
        /not a regular file/,
      );
      expect((await lstat(join(project, 'fifo.jsonl'))).isFIFO()).toBe(true);
      // A folder where the file goes: one line too.
      await mkdir(join(home, 'a-folder'));
      oneLineRefusal(await runCli(['timeline', identity, '--export', join(home, 'a-folder'), '--force']), /a-folder/);

      // The operator's own regular file is still replaced with --force, and holds no secret.
      const mine = join(home, 'export.jsonl');
      await writeFile(mine, 'old content that is longer than nothing\n'.repeat(1000));
      const replaced = await runCli(['timeline', identity, '--export', mine, '--force']);
      expect(replaced.code, replaced.stderr).toBe(0);
      const exported = await readFile(mine, 'utf8');
      expect(exported).not.toContain('old content');
      expect(
        exported
          .trimEnd()
          .split('\n')
          .map((line) => (JSON.parse(line) as TimelineEvent).kind),
      ).toEqual(events.map((event) => event.kind));
      noSecretNorRawControl(exported);
    },
  );
});
