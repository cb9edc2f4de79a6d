import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import type { ChangeSet } from '../../src/shared/changes';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/** Changes two files; then idles. */
const WORKER_SCRIPT = [
  'cd /workspace',
  "printf 'a one\\na two\\n' > a.txt",
  "printf 'b by the agent\\n' > b.txt",
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  // Not a repository: what apply wrote can only come from its own kept copy or the project folder.
  await writeTree(project, { 'a.txt': 'a at the start\n', 'b.txt': 'b at the start\n', 'keep.txt': 'untouched\n' });
  await writeTestAgent({ name: 'since-worker', script: WORKER_SCRIPT });
});

async function inBottle(identity: string, script: string): Promise<void> {
  const result = await execIn(await bottleContainer(identity), ['sh', '-c', `cd /workspace && ${script}`]);
  expect(result.exitCode).toBe(0);
}

const paths = (set: ChangeSet): string[] => set.files.map((file) => file.path);

describe.skipIf(skipWithoutDocker)('"new since last apply" of a copy-mode bottle, on a real engine', () => {
  it(
    'lists only what changed since the apply, diffed against what the apply wrote; the CLI says the same',
    { timeout: 240_000 },
    async () => {
      const core = createCore();
      let identity = '';
      try {
        ({ identity } = await core.bottles.start({ agent: 'since-worker', cwd: project, copy: true }));
        await eventually(
          async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
          30_000,
        );

        // Before any apply: both sides list the same, and there is no apply to be new since.
        const before = await core.changes.diff(identity, 'apply');
        expect(before).toMatchObject({ since: 'apply', lastApply: null, sinceCounts: { start: 2, apply: 2 } });
        expect(paths(before)).toEqual(['a.txt', 'b.txt']);
        expect(before.files.map((file) => file.diff)).toEqual((await core.changes.diff(identity)).files.map((file) => file.diff));

        await core.changes.apply(identity, { dryRun: false, sidecars: true });
        const applied = await core.changes.diff(identity, 'apply');
        expect(applied.files).toEqual([]);
        expect(applied.sinceCounts).toEqual({ start: 2, apply: 0 });
        expect(applied.lastApply?.at).toEqual(expect.any(String));

        // The agent changes a.txt again and adds c.txt; the operator edits the applied a.txt at home.
        await inBottle(identity, "printf 'a one\\na TWO\\n' > a.txt && printf 'c new\\n' > c.txt");
        await writeFile(join(project, 'a.txt'), 'the operator’s own edit\n');

        const since = await core.changes.diff(identity, 'apply');
        expect(paths(since)).toEqual(['a.txt', 'c.txt']);
        expect(since.sinceCounts).toEqual({ start: 3, apply: 2 });
        const [a, c] = since.files;
        // The left side is what the apply wrote (kept when it wrote it), not the start nor the operator's edit.
        expect(a).toMatchObject({ status: 'modified', oldPath: null, insertions: 1, deletions: 1, note: null });
        expect(a?.diff).toBe('--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n a one\n-a two\n+a TWO\n');
        expect(c).toMatchObject({ status: 'added', diff: '--- /dev/null\n+++ b/c.txt\n@@ -0,0 +1,1 @@\n+c new\n' });
        expect(since.totals).toMatchObject({ added: 1, modified: 1, insertions: 2, deletions: 1 });
        // Since the start, a.txt's diff is still against the start.
        const start = await core.changes.diff(identity);
        expect(paths(start)).toEqual(['a.txt', 'b.txt', 'c.txt']);
        expect(start.files[0]?.diff).toContain('-a at the start\n');
        // The whole diff on demand takes the same left side.
        expect((await core.changes.file(identity, 'a.txt', 'diff', 'apply')).text).toBe(a?.diff);
        expect((await core.changes.file(identity, 'a.txt', 'diff')).text).toContain('-a at the start\n');
      } finally {
        await core.close();
      }

      const cli = await runCli(['diff', identity, '--since-apply']);
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      const [headline, ...rest] = cli.stdout.split('\n');
      expect(headline).toMatch(
        new RegExp(
          `^${identity}: 2 files new since the last apply \\(\\d{4}-\\d\\d-\\d\\dT[^)]+\\) \\(1 added, 1 modified; \\+2 −1\\), read from the container$`,
        ),
      );
      expect(rest.join('\n')).toContain('M a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n a one\n-a two\n+a TWO');
      expect(rest.join('\n')).not.toContain('b.txt');
      const json = await runCli(['diff', identity, '--since-apply', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ since: 'apply', sinceCounts: { start: 3, apply: 2 } });
      const one = await runCli(['diff', identity, '--since-apply', '--file', 'a.txt']);
      expect(one.stdout).toBe('--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n a one\n-a two\n+a TWO\n');
      const stat = await runCli(['diff', identity, '--since-apply', '--stat']);
      expect(
        stat.stdout
          .split('\n')
          .filter((line) => line.includes('|'))
          .map((line) => line.split('|')[0]?.trim()),
      ).toEqual(['a.txt', 'c.txt']);
    },
  );

  it('a mount-mode bottle has no apply: --since-apply is refused in one line', { timeout: 120_000 }, async () => {
    const start = await runCli(['start', 'since-worker', '--cwd', project, '--detach', '--json']);
    expect(start.code).toBe(0);
    const { identity } = JSON.parse(start.stdout) as { identity: string };
    const refused = await runCli(['diff', identity, '--since-apply']);
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `claude-bottle: bottle ${identity} works on the project folder itself (mount mode): there is no apply to be new since\n`,
    });
  });
});
