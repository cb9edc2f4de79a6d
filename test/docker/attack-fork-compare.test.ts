import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleComparison } from '../../src/shared/bottle-compare';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ForkResult } from '../../src/shared/forks';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli, type CliResult } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

/*
 * Hostile agents against Compare (`diff --against`, issue 24 item 2): a parent and its fork, each
 * shaped by its agent. Links out of the workspace (absolute, ../, to a host file holding a secret)
 * on one side against files on the other, a folder against a link, contents and names holding
 * terminal escapes, bidi overrides, CR and NUL. Stopped, both sides are read from their snapshots
 * on the host: nothing outside either workspace may be read, and nothing raw printed without --raw.
 */

const env = useBottleTestEnv();
const HOST_SECRET = `host-only-${Math.random().toString(36).slice(2)}`;

/** Escape, CSI, bidi override, CR: what a terminal would act on. */
const RAW = /[\u001b\u009b\u202e\r]/;

let project = '';
let outside = '';
beforeEach(async () => {
  project = env.project();
  outside = await tempDir('attack-compare-outside-');
  await writeFile(join(outside, 'secret.txt'), `${HOST_SECRET}\n`);
  await writeTree(project, { 'shared.txt': 'start\n', 'sub/deep.txt': 'deep\n' });
  await writeTestAgent({
    name: 'idle',
    script: 'touch /tmp/agent-ready\nexec sleep 3600',
    extraConfig: { forkCommand: ['sh', '/usr/bin/agent.sh', 'fork'] },
  });
});

async function ready(identity: string): Promise<void> {
  await eventually(
    async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-ready'])).exitCode).toBe(0),
    60_000,
  );
}

async function shell(identity: string, script: string): Promise<void> {
  const result = await execIn(await bottleContainer(identity), ['sh', '-c', `cd /workspace && ${script}`]);
  expect(result.exitCode, result.output).toBe(0);
}

function clean(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
  const all = result.stdout + result.stderr;
  expect(all).not.toContain(HOST_SECRET);
  expect(all).not.toMatch(/root:x?:0:0/);
  expect(all).not.toContain('\u0000');
}

describe.skipIf(skipWithoutDocker)('attack: hostile agents against Compare of a parent and its fork, on a real engine', () => {
  it(
    'links out against files, a folder against a link, escapes in names and contents: nothing read outside, nothing raw without --raw',
    { timeout: 300_000 },
    async () => {
      const started = await runCli(['start', 'idle', '--cwd', project, '--copy', '--detach', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const { identity: parent } = JSON.parse(started.stdout) as BottleView;
      await ready(parent);
      const forked = await runCli(['fork', parent, '--detach', '--json']);
      expect(forked.code, forked.stderr).toBe(0);
      const fork = (JSON.parse(forked.stdout) as ForkResult).forks[0]?.identity ?? '';
      await ready(fork);

      const evilName = "$(printf 'evil\\033[31m\\342\\200\\256\\r\\nname.txt')";
      await shell(
        parent,
        [
          `ln -s ${join(outside, 'secret.txt')} leak.txt`,
          'ln -s /etc/passwd pw.txt',
          'ln -s ../../../../../../etc/passwd up.txt',
          'rm -r sub && ln -s /etc sub',
          "printf 'parent \\033]0;title\\007\\033[2J\\342\\200\\256\\r line\\n' > shared.txt",
          "printf 'a\\000b\\033[2Jc' > nul.bin",
          `echo parent > "${evilName}"`,
        ].join(' && '),
      );
      await shell(
        fork,
        [
          'echo fork > leak.txt',
          'echo fork > pw.txt',
          'echo fork > up.txt',
          'echo more > sub/more.txt',
          "printf 'fork \\233 31m line\\n' > shared.txt",
          `echo fork > "${evilName}"`,
        ].join(' && '),
      );

      for (const source of ['running', 'stopped'] as const) {
        if (source === 'stopped') {
          expect((await runCli(['stop', parent])).code).toBe(0);
          expect((await runCli(['stop', fork])).code).toBe(0);
        }
        const result = await runCli(['diff', parent, '--against', fork, '--json']);
        clean(result);
        const compared = JSON.parse(result.stdout) as BottleComparison;
        expect(compared.hereSource).toMatch(source === 'running' ? /^container/ : /^snapshot$/);
        expect(compared.thereSource).toMatch(source === 'running' ? /^container/ : /^snapshot$/);
        const byPath = new Map(compared.files.map((file) => [file.path, file]));
        // The links are compared as links (their targets), never as what they point at.
        for (const path of ['leak.txt', 'pw.txt', 'up.txt', 'sub']) expect(byPath.has(path), path).toBe(true);
        expect(JSON.stringify(compared)).not.toContain(HOST_SECRET);
        expect(byPath.get('sub/more.txt')?.status).toBe('only-there');
        expect(byPath.get('sub/deep.txt')?.status).toBe('only-there');

        for (const args of [
          ['diff', parent, '--against', fork],
          ['diff', parent, '--against', fork, '--stat'],
          ['diff', fork, '--against', parent],
        ]) {
          const text = await runCli(args);
          clean(text);
          expect(text.stdout, args.join(' ')).not.toMatch(RAW);
          // The odd name is one line of its own, escaped.
          expect(text.stdout.split('\n').filter((line) => line.includes('name.txt')).length).toBeGreaterThan(0);
        }
        // --raw prints the contents as they are: the operator asked.
        const raw = await runCli(['diff', parent, '--against', fork, '--raw']);
        clean(raw);
        expect(raw.stdout).toContain('\u001b[2J');
      }
    },
  );
});
