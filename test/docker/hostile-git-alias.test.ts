import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ApplyResult, ChangeSet } from '../../src/shared/changes';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';

const env = useBottleTestEnv();
const run = promisify(execFile);
let project = '';
beforeEach(() => {
  project = env.project();
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Every alias of .git the agent writes through, as the shell in the bottle spells it. */
const ALIASES: [string, string][] = [
  ['.GIT/hooks/post-checkout', '.GIT/hooks/post-checkout'],
  ['.GIT/config', '.GIT/config'],
  ['.git./hooks/pre-commit', '.git./hooks/pre-commit'],
  ['.git /hooks/pre-commit', '".git /hooks/pre-commit"'],
  ['GIT~1/hooks/pre-commit', 'GIT~1/hooks/pre-commit'],
  ['git~1/config', 'git~1/config'],
  ['.g\u200cit/hooks/pre-commit', '"$(printf \'.g\\342\\200\\214it\')/hooks/pre-commit"'],
  ['.git::$INDEX_ALLOCATION/hooks/pre-commit', "'.git::$INDEX_ALLOCATION/hooks/pre-commit'"],
  ['src/.Git/hooks/pre-commit', 'src/.Git/hooks/pre-commit'],
];

describe.skipIf(skipWithoutDocker)('apply and .git under another name, on a real engine', () => {
  it(
    'a bind-mounted .GIT (a case-insensitive disk) and every alias: shown with a note, refused by apply, nothing lands in .git',
    { timeout: 300_000 },
    async () => {
      await writeTree(project, { 'app.txt': 'v1\n', 'src/main.txt': 'main\n' });
      await git(project, 'init', '-q');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      const config = await readFile(join(project, '.git', 'config'), 'utf8');
      const hooks = await readdir(join(project, '.git', 'hooks'));
      // On macOS or Windows .GIT is .git: a bind mount gives this Linux disk the same folder under both names.
      await mkdir(join(project, '.GIT'));
      await run('mount', ['--bind', join(project, '.git'), join(project, '.GIT')]);
      try {
        const started = await runCli(['start', 'scripted', '--cwd', project, '--copy', '--detach', '--json']);
        expect(started.code, started.stderr).toBe(0);
        const { identity } = JSON.parse(started.stdout) as BottleView;
        const writes = ALIASES.map(
          ([, shell]) => `mkdir -p "$(dirname ${shell})" && printf '#!/bin/sh\\ntouch /tmp/pwned\\n' >> ${shell} && chmod +x ${shell}`,
        );
        const script = [
          'cd /workspace',
          ...writes,
          'echo ok > ok.txt',
          'printf \'[submodule "lib"]\\n\\tpath = lib\\n\\turl = ../lib\\n\' > .gitmodules',
        ].join(' && ');
        const wrote = await execIn(await bottleContainer(identity), ['sh', '-c', script]);
        expect(wrote.exitCode, wrote.output).toBe(0);

        const applied = await json<ApplyResult>(['apply', identity, '--json']);
        // Nothing reached git's folder, under any name.
        expect(await readdir(join(project, '.git', 'hooks'))).toEqual(hooks);
        expect(await readFile(join(project, '.git', 'config'), 'utf8')).toBe(config);
        for (const name of ['.git.', '.git ', 'GIT~1', 'git~1', '.g\u200cit', '.git::$INDEX_ALLOCATION', 'src/.Git']) {
          await expect(stat(join(project, name)), name).rejects.toThrow(/ENOENT/);
        }
        const outcomes = Object.fromEntries(applied.outcomes.map((outcome) => [outcome.path, outcome]));
        for (const [path] of ALIASES)
          expect(outcomes[path], path).toMatchObject({
            action: 'skipped',
            detail: expect.stringMatching(/names git's own \.git folder/) as unknown,
          });
        expect(outcomes['ok.txt']?.action).toBe('write');
        expect(outcomes['.gitmodules']?.action).toBe('write');
        expect(await readFile(join(project, 'ok.txt'), 'utf8')).toBe('ok\n');
        expect(await readFile(join(project, '.gitmodules'), 'utf8')).toContain('[submodule "lib"]');

        // The Changes view shows them, with the reason they are never written.
        const set = await json<ChangeSet>(['diff', identity, '--json']);
        const notes = Object.fromEntries(set.files.map((file) => [file.path, file.note]));
        for (const [path] of ALIASES)
          expect(notes[path], path).toMatch(/names git's own \.git folder on a case-insensitive or Windows disk: never written/);
        expect(notes['ok.txt']).toBeNull();
        expect(notes['.gitmodules']).toBeNull();

        const patch = join(project, '..', `${identity}.patch`);
        const exported = await runCli(['export', identity, '--patch', patch]);
        expect(exported.code, exported.stderr).toBe(0);
        const text = await readFile(join(patch), 'utf8');
        await run('rm', ['-f', patch]);
        expect(text).toContain('ok.txt');
        expect(text).not.toMatch(/hooks\/p(re-commit|ost-checkout)/);
      } finally {
        await run('umount', [join(project, '.GIT')]);
      }
    },
  );
});
