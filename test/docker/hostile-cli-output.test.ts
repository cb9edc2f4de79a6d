import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ApplyResult } from '../../src/shared/changes';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli, type CliResult } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

/*
 * Hole 3 of issue 17: the CLI printed what an agent wrote (file names, diff lines, link targets)
 * raw, so an agent could erase a line of the diff the operator reads (CSI 2K), retitle the window
 * (OSC 0) or write the clipboard (OSC 52), and a bidi override made a name read backwards. Here an
 * agent in a copy-mode bottle writes all of that into names, lines, a link target and a request's
 * reason; every command the operator reads it with prints it escaped, and apply still writes the
 * file under its real name. `diff --raw` prints it as it is, because the operator asked.
 */

const env = useBottleTestEnv();

// As the agent's printf writes them (octal escapes) and as this test expects them back.
const ESC = '\u001b';
const HOSTILE = `${ESC}[2K${ESC}]0;pwned\u0007${ESC}]52;c;cm0gLXJmIH4=\u0007\u009b1A\u202etxt.exe`;
const PRINTF_HOSTILE = '\\033[2K\\033]0;pwned\\007\\033]52;c;cm0gLXJmIH4=\\007\\302\\233\\061A\\342\\200\\256txt.exe';
const NAME = `evil-${HOSTILE}`;
const LINK = `link-${HOSTILE}`;

const AGENT_SCRIPT = [
  'cd /workspace',
  `name=$(printf 'evil-${PRINTF_HOSTILE}')`,
  `printf 'first line\\nsecond ${PRINTF_HOSTILE} line\\n' > "$name"`,
  `printf 'calm\\nnow ${PRINTF_HOSTILE}\\n' > notes.txt`,
  `ln -s "$(printf 'target-${PRINTF_HOSTILE}')" "$(printf 'link-${PRINTF_HOSTILE}')"`,
  `capability-block --reason "$(printf 'need it ${PRINTF_HOSTILE}')" --run 'true' > /tmp/cb.out 2>&1`,
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

/** Raw terminal controls: ESC, BEL, the C1 CSI (and other C1), and the bidi controls. */
const RAW_CONTROLS = /[\u0007\u001b\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/;

function expectInert(result: CliResult, what: string): void {
  expect(result.code, `${what}: ${result.stderr}`).toBe(0);
  for (const [stream, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    const found = RAW_CONTROLS.exec(text);
    expect(found === null ? null : `${what} ${stream} holds U+${(found[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`).toBeNull();
  }
}

const ESCAPED = '\\x1b[2K\\x1b]0;pwned\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\x9b1A\\u202etxt.exe';

describe.skipIf(skipWithoutDocker)('what an agent wrote, printed by the CLI', () => {
  it(
    'diff, diff --stat, diff --file, apply --dry-run, apply, show and ls print it escaped; apply writes the real name; diff --raw prints it as it is',
    { timeout: 240_000 },
    async () => {
      await writeTestAgent({ name: 'hostile', script: AGENT_SCRIPT });
      const project = env.project();
      const started = await runCli(['start', 'hostile', '--cwd', project, '--copy', '--detach', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const { identity } = JSON.parse(started.stdout) as BottleView;
      await eventually(
        async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
        30_000,
      );

      const diff = await runCli(['diff', identity]);
      expectInert(diff, 'diff');
      expect(diff.stdout).toContain(`A evil-${ESCAPED}`);
      expect(diff.stdout).toContain(`+second ${ESCAPED} line`);
      expect(diff.stdout).toContain(`symlink (none) → target-${ESCAPED}`);

      const stat = await runCli(['diff', identity, '--stat']);
      expectInert(stat, 'diff --stat');
      expect(stat.stdout).toContain(` link-${ESCAPED} | symlink → target-${ESCAPED}`);

      const file = await runCli(['diff', identity, '--file', NAME]);
      expectInert(file, 'diff --file');
      expect(file.stdout).toContain(`+++ b/evil-${ESCAPED}`);

      // A path an error echoes is escaped too.
      const missing = await runCli(['diff', identity, '--file', `nothing-${HOSTILE}`]);
      expect(missing.code).toBe(1);
      expect(RAW_CONTROLS.test(missing.stderr)).toBe(false);

      const dry = await runCli(['apply', identity, '--dry-run']);
      expectInert(dry, 'apply --dry-run');
      expect(dry.stdout).toContain(`write   evil-${ESCAPED}`);
      expect(await readdir(project)).toEqual([]);

      // --json stays one JSON document, with the same names, and nothing a terminal would obey.
      const json = await runCli(['apply', identity, '--dry-run', '--json']);
      expectInert(json, 'apply --dry-run --json');
      expect((JSON.parse(json.stdout) as ApplyResult).outcomes.map((outcome) => outcome.path).sort()).toEqual(
        [NAME, LINK, 'notes.txt'].sort(),
      );

      const applied = await runCli(['apply', identity]);
      expectInert(applied, 'apply');
      expect(applied.stdout).toMatch(/^applied /m);
      // Its progress lines name the files too, and come through the same escaping.
      expect(applied.stdout).toContain(`wrote evil-${ESCAPED}`);
      // The files keep their real names and target: only what is printed is escaped.
      expect((await readdir(project)).sort()).toEqual([NAME, LINK, 'notes.txt'].sort());
      expect(await readFile(join(project, NAME), 'utf8')).toBe(`first line\nsecond ${HOSTILE} line\n`);
      expect((await lstat(join(project, LINK))).isSymbolicLink()).toBe(true);
      expect(await readlink(join(project, LINK))).toBe(`target-${HOSTILE}`);

      const show = await eventually(async () => {
        const result = await runCli(['show', identity]);
        expect(result.stdout).toContain('pending request');
        return result;
      });
      expectInert(show, 'show');
      expect(show.stdout).toContain(`reason: need it ${ESCAPED}`);
      expectInert(await runCli(['ls']), 'ls');

      // Asked for, the text comes as the agent wrote it.
      const raw = await runCli(['diff', identity, '--raw']);
      expect(raw.code).toBe(0);
      expect(raw.stdout).toContain(`A ${NAME}`);
      expect(raw.stdout).toContain(`+second ${HOSTILE} line`);
      const rawFile = await runCli(['diff', identity, '--file', 'notes.txt', '--raw']);
      expect(rawFile.stdout).toContain(`+now ${HOSTILE}`);
    },
  );
});
