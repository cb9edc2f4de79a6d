import { createHash } from 'node:crypto';
import { lstat, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

/*
 * A hostile agent against the merge view's CLI (`resolve`) and `diff --since-apply`: file content
 * and names with terminal escapes, bidi overrides, C1 controls, NUL, CR and very long lines, and
 * paths that are links out of the bottle. Printed without --raw, no control sequence reaches the
 * terminal; Take agent / Save never write outside the project folder nor through a link.
 */

const env = useBottleTestEnv();

/** A C0/C1 control other than line feed and tab, DEL, or a bidi override/isolate: what a terminal would act on. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

const EVIL_NAME = 'evil\u001b[2Jname\u202e.txt';
const HOSTILE_LINE = '\\033[2J\\033]0;owned\\007\\302\\233 31m\\342\\200\\256 reversed\\r fake prompt';

const SCRIPT = [
  'cd /workspace',
  `printf 'one\\ntwo by the agent ${HOSTILE_LINE}\\nthree\\n' > notes.txt`,
  // A very long line (200k characters) with an escape at its end.
  "head -c 200000 /dev/zero | tr '\\0' a > long.txt && printf '\\033[2J\\n' >> long.txt",
  "printf 'agent\\000nul \\033[2J\\n' > nul.txt",
  "printf 'crlf by the agent\\r\\nline\\r\\n' > crlf.txt",
  // A file the operator has too, swapped for a link to the host's (the container's) /etc/passwd.
  'rm -f link.txt && ln -s /etc/passwd link.txt',
  // A folder swapped for a link out.
  'rm -rf sub && ln -s /etc sub',
  `printf 'agent \\033[31m\\n' > "$(printf 'evil\\033[2Jname\\342\\200\\256.txt')"`,
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, {
    'notes.txt': 'one\ntwo\nthree\n',
    'long.txt': 'short\n',
    'crlf.txt': 'crlf\r\nline\r\n',
    'nul.txt': 'nul start\n',
    'link.txt': 'link start\n',
    'sub/inner.txt': 'inner start\n',
  });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-qm', 'start');
  await writeTestAgent({ name: 'hostile', script: SCRIPT });
});

async function sha(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

function expectInert(result: { stdout: string; stderr: string }, what: string): void {
  expect(RAW_CONTROL.exec(result.stdout)?.[0], `${what} stdout`).toBeUndefined();
  expect(RAW_CONTROL.exec(result.stderr)?.[0], `${what} stderr`).toBeUndefined();
}

describe.skipIf(skipWithoutDocker)('attack: hostile content and links against resolve and diff --since-apply, on a real engine', () => {
  it(
    'escapes, bidi, NUL, CR and long lines print inert; links out are never followed by Take agent or Save',
    { timeout: 300_000 },
    async () => {
      const started = await runCli(['start', 'hostile', '--cwd', project, '--copy', '--detach', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const { identity } = JSON.parse(started.stdout) as { identity: string };
      const container = await bottleContainer(identity);
      await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);
      const passwd = await sha('/etc/passwd');

      // The operator edits the same files: each is a conflict.
      await writeFile(join(project, 'notes.txt'), 'one\ntwo by you\nthree\n');
      await writeFile(join(project, 'long.txt'), 'short by you\n');
      await writeFile(join(project, 'nul.txt'), 'nul by you\n');
      await writeFile(join(project, 'crlf.txt'), 'crlf by you\r\nline\r\n');
      await writeFile(join(project, 'link.txt'), 'link by you\n');
      await writeFile(join(project, 'sub/inner.txt'), 'inner by you\n');
      await writeFile(join(project, EVIL_NAME), 'yours\n');

      // Printed without --raw: nothing a terminal acts on.
      for (const path of ['notes.txt', 'long.txt', 'nul.txt', 'crlf.txt', 'link.txt', 'sub/inner.txt', EVIL_NAME]) {
        const printed = await runCli(['resolve', identity, path]);
        expectInert(printed, `resolve ${JSON.stringify(path)}`);
      }
      // --raw is the operator's ask: the escapes come through as they are (the check above can see them).
      const raw = await runCli(['resolve', identity, 'notes.txt', '--raw']);
      expect(raw.code, raw.stderr).toBe(0);
      expect(raw.stdout).toContain('\u001b[2J');

      // Take agent on a path the agent made a link out: refused or a regular file, never a link, never /etc/passwd touched.
      const tookLink = await runCli(['resolve', identity, 'link.txt', '--take', 'agent']);
      expectInert(tookLink, 'take agent link.txt');
      expect((await lstat(join(project, 'link.txt'))).isSymbolicLink()).toBe(false);
      expect(await sha('/etc/passwd')).toBe(passwd);

      // A path under a folder the agent made a link out: neither side writes through it.
      const edited = join(env.home(), 'merged.txt');
      await writeFile(edited, 'merged\n');
      for (const take of ['agent', edited]) {
        const result = await runCli(['resolve', identity, 'sub/inner.txt', '--take', take]);
        expectInert(result, `take ${take} sub/inner.txt`);
      }
      expect((await lstat(join(project, 'sub'))).isDirectory()).toBe(true);
      expect(await stat('/etc/inner.txt').catch(() => null)).toBeNull();
      expect(await stat('/etc/inner.txt.bottle-' + identity).catch(() => null)).toBeNull();

      // The escape-named file, taken whole: written inside the project folder under its own name.
      const tookEvil = await runCli(['resolve', identity, EVIL_NAME, '--take', 'agent']);
      expectInert(tookEvil, 'take agent evil name');
      expect(tookEvil.code, tookEvil.stderr).toBe(0);
      expect(await readFile(join(project, EVIL_NAME), 'utf8')).toBe('agent \u001b[31m\n');

      // Apply the rest, then the agent writes again: diff --since-apply prints its changes inert.
      const applied = await runCli(['apply', identity, '--json']);
      expect(applied.code, applied.stderr).toBe(0);
      const again = await execIn(container, [
        'sh',
        '-c',
        `cd /workspace && printf 'after apply ${HOSTILE_LINE}\\n' >> notes.txt && printf 'x\\n' > "$(printf 'new\\033]0;t\\007\\342\\200\\256.txt')"`,
      ]);
      expect(again.exitCode, again.output).toBe(0);
      for (const args of [[], ['--stat'], ['--file', 'notes.txt']]) {
        const shown = await runCli(['diff', identity, '--since-apply', ...args]);
        expect(shown.code, shown.stderr).toBe(0);
        expectInert(shown, `diff --since-apply ${args.join(' ')}`);
      }
      const shownRaw = await runCli(['diff', identity, '--since-apply', '--raw']);
      expect(shownRaw.stdout).toContain('\u001b[2J');
      const shownJson = await runCli(['diff', identity, '--since-apply', '--json']);
      expectInert(shownJson, 'diff --since-apply --json');
      expect(await sha('/etc/passwd')).toBe(passwd);
    },
  );
});
