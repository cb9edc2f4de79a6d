import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/** An agent that edits one file and adds another as soon as it starts, then idles. */
const WORKER_SCRIPT = [
  'cd /workspace',
  "echo 'agent edit' > edit.txt",
  'echo new > new.txt',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'edit.txt': 'start\n', 'keep.txt': 'same\n' });
  await writeTestAgent({ name: 'worker', script: WORKER_SCRIPT });
});

async function startWorker(): Promise<string> {
  const started = await runCli(['start', 'worker', '--cwd', project, '--copy', '--detach', '--json']);
  expect(started.code).toBe(0);
  const { identity } = JSON.parse(started.stdout) as BottleView;
  await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
  return identity;
}

async function listed(): Promise<string[]> {
  return (JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleView[]).map((view) => view.identity);
}

describe.skipIf(skipWithoutDocker)('removing a copy-mode bottle with work not yet applied', () => {
  it(
    'rm refuses, naming the unapplied and conflicting files, and keeps the bottle; rm --force removes it',
    { timeout: 180_000 },
    async () => {
      const identity = await startWorker();
      // The operator edits the same file on the host: applying would leave it in conflict.
      await writeFile(join(project, 'edit.txt'), 'the operator’s own edit\n');

      const refused = await runCli(['rm', identity]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(
        `${identity} has 1 file changed and not applied (new.txt), 1 file in conflict (edit.txt): apply or export it first`,
      );
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(await listed()).toContain(identity);
      expect((await execIn(await bottleContainer(identity), ['cat', '/workspace/new.txt'])).output).toContain('new');

      const forced = await runCli(['rm', identity, '--force']);
      expect(forced.code).toBe(0);
      expect(await listed()).not.toContain(identity);
    },
  );

  it('once its work is applied, rm removes it without --force; --keep-state never asks', { timeout: 180_000 }, async () => {
    const identity = await startWorker();
    const kept = await runCli(['rm', identity, '--keep-state']);
    expect(kept.code).toBe(0);
    const applied = await runCli(['apply', identity]);
    expect(applied.code).toBe(0);
    const removed = await runCli(['rm', identity]);
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    expect(await listed()).not.toContain(identity);
  });
});
