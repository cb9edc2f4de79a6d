import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

/*
 * A hostile agent edits its repository's own files (.git/config, a hook) and names paths that
 * leave the project folder; the operator's resolve (whatever path it is asked for) must never
 * write into the project's .git nor outside the project folder.
 */

const env = useBottleTestEnv();

const SCRIPT = [
  'cd /workspace',
  `printf '[core]\\n\\thooksPath = /workspace/hooks\\n\\tfsmonitor = "touch /tmp/pwned"\\n' >> .git/config`,
  "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit",
  "echo 'agent notes' > notes.txt",
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'notes.txt': 'start\n' });
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

describe.skipIf(skipWithoutDocker)('attack: resolve on paths into .git and out of the project, on a real engine', () => {
  it(
    'the agent’s .git/config and hooks, and paths out of the project: refused in one line, nothing written',
    { timeout: 300_000 },
    async () => {
      const started = await runCli(['start', 'hostile', '--cwd', project, '--copy', '--detach', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const { identity } = JSON.parse(started.stdout) as { identity: string };
      const container = await bottleContainer(identity);
      await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);

      // The operator changes the project's own repository config too, so both sides differ from the start.
      await git(project, 'config', 'user.name', 'operator');
      await writeFile(join(project, 'notes.txt'), 'your notes\n');
      const config = await readFile(join(project, '.git', 'config'), 'utf8');
      const hooks = (await readdir(join(project, '.git', 'hooks'))).sort();
      const passwd = await sha('/etc/passwd');
      const edited = join(env.home(), 'merged.txt');
      await writeFile(edited, 'merged\n');

      const paths = [
        '.git/config',
        '.git/hooks/pre-commit',
        '.GIT/config',
        './.git/config',
        'x/../.git/config',
        '../outside.txt',
        '/etc/passwd',
        'notes.txt/../../x',
      ];
      for (const path of paths) {
        for (const take of [null, 'agent', edited]) {
          const result = await runCli(['resolve', identity, path, ...(take === null ? [] : ['--take', take])]);
          expect(result.code, `${path} ${String(take)}: ${result.stdout}`).toBe(1);
          expect(result.stderr.trimEnd().split('\n'), `${path} ${String(take)}`).toHaveLength(1);
        }
      }
      expect(await readFile(join(project, '.git', 'config'), 'utf8')).toBe(config);
      expect((await readdir(join(project, '.git', 'hooks'))).sort()).toEqual(hooks);
      expect(await sha('/etc/passwd')).toBe(passwd);
      expect(await readdir(join(project, '..'))).not.toContain('outside.txt');
      expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe('your notes\n');
    },
  );
});
