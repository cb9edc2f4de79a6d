import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

const START = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';

/** Edits lines four and six of notes.txt, rewrites a binary file; then idles. */
const SCRIPT = [
  'cd /workspace',
  "printf 'one\\ntwo\\nthree\\nfour by the agent\\nfive\\nSIX by the agent\\nseven\\n' > notes.txt",
  "printf 'agent\\000bytes' > logo.bin",
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'notes.txt': START, 'logo.bin': Buffer.from('start\0bytes') });
  const past = new Date(Date.now() - 3600_000);
  for (const path of ['notes.txt', 'logo.bin']) await utimes(join(project, path), past, past);
  // A repository: the start of a file the operator edits later is still in git, for the merge's base.
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-qm', 'start');
  await writeTestAgent({ name: 'merger', script: SCRIPT });
});

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

describe.skipIf(skipWithoutDocker)('resolving a conflict in the merge view, on a real engine', () => {
  it(
    'reads base, host and agent, saves the edited result, clears the conflict, refuses a host file changed meanwhile',
    { timeout: 240_000 },
    async () => {
      const core = createCore();
      try {
        const { identity } = await core.bottles.start({ agent: 'merger', cwd: project, copy: true });
        const container = await bottleContainer(identity);
        await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
        const conflicts = async (): Promise<string[]> =>
          (await core.changes.diff(identity)).files.filter((file) => file.conflict).map((file) => file.path);
        expect(await conflicts()).toEqual([]);

        // The operator edits the same file: before any apply, the Changes view already calls it a conflict.
        const mine = 'one by you\ntwo\nthree\nfour by you\nfive\nsix\nseven\n';
        await writeFile(join(project, 'notes.txt'), mine);
        await writeFile(join(project, 'logo.bin'), Buffer.from('your\0bytes'));
        expect(await conflicts()).toEqual(['logo.bin', 'notes.txt']);
        const applied = await core.changes.apply(identity, { dryRun: false, sidecars: true });
        expect(applied.counts.conflicts).toBe(2);
        const sidecar = join(project, `notes.txt.bottle-${identity}`);
        expect(await readFile(sidecar, 'utf8')).toBe('one\ntwo\nthree\nfour by the agent\nfive\nSIX by the agent\nseven\n');

        // The three versions, and a line merge: each side's lone change taken, the shared line marked.
        const versions = await core.changes.mergeVersions(identity, 'notes.txt');
        expect(versions.base.text).toBe(START);
        expect(versions.host.text).toBe(mine);
        expect(versions.agent.text).toBe('one\ntwo\nthree\nfour by the agent\nfive\nSIX by the agent\nseven\n');
        expect(versions.sidecar).toBe(`notes.txt.bottle-${identity}`);
        expect(versions.conflicts).toBe(1);
        expect(versions.merged).toBe(
          'one by you\ntwo\nthree\n<<<<<<< yours (project folder)\nfour by you\n=======\nfour by the agent\n>>>>>>> agent\nfive\nSIX by the agent\nseven\n',
        );

        // The operator saves the file again while the view is open: the save is refused, nothing written.
        const again = `${mine}eight by you\n`;
        await writeFile(join(project, 'notes.txt'), again);
        const result = 'one by you\ntwo\nthree\nfour by both\nfive\nSIX by the agent\nseven\n';
        const request = {
          path: 'notes.txt',
          take: 'result' as const,
          text: result,
          hostOid: versions.host.oid ?? '',
          agentOid: versions.agent.oid ?? '',
        };
        await expect(core.changes.resolve(identity, request)).rejects.toThrow(
          'notes.txt changed in the project folder while the merge view was open: nothing was written; look again',
        );
        expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(again);
        expect(await exists(sidecar)).toBe(true);

        // Read again, saved: the project file holds the result, the sidecar is gone, no conflict is left.
        const fresh = await core.changes.mergeVersions(identity, 'notes.txt');
        expect(fresh.host.text).toBe(again);
        const saved = await core.changes.resolve(identity, { ...request, hostOid: fresh.host.oid ?? '' });
        expect(saved).toEqual({
          identity,
          path: 'notes.txt',
          take: 'result',
          wrote: true,
          sidecarRemoved: `notes.txt.bottle-${identity}`,
          note: null,
        });
        expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(result);
        expect(await exists(sidecar)).toBe(false);
        expect(await conflicts()).toEqual(['logo.bin']);
        expect((await core.changes.diff(identity)).files.find((file) => file.path === 'notes.txt')?.applied).toBe(true);
        expect(await core.changes.unapplied(identity)).toEqual({ pending: [], conflicts: ['logo.bin'] });
        // A later apply leaves the resolved file alone.
        const later = await core.changes.apply(identity, { dryRun: false, sidecars: true, paths: ['notes.txt'] });
        expect(later.outcomes).toEqual([
          { path: 'notes.txt', action: 'unchanged', detail: 'you resolved it in the merge view', sidecar: null },
        ]);
        expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(result);
        await expect(core.changes.mergeVersions(identity, 'notes.txt')).rejects.toThrow(
          'notes.txt is not in conflict: there is nothing to resolve',
        );

        // A binary file: no line merge; the agent's version is taken whole.
        const binary = await core.changes.mergeVersions(identity, 'logo.bin');
        expect(binary.merged).toBeNull();
        expect(binary.note).toBe('your version is binary: take one side whole');
        await expect(
          core.changes.resolve(identity, { path: 'logo.bin', take: 'agent', hostOid: binary.host.oid ?? '', agentOid: 'f'.repeat(40) }),
        ).rejects.toThrow('the agent changed logo.bin while the merge view was open: nothing was written; look again');
        await core.changes.resolve(identity, {
          path: 'logo.bin',
          take: 'agent',
          hostOid: binary.host.oid ?? '',
          agentOid: binary.agent.oid ?? '',
        });
        expect(await readFile(join(project, 'logo.bin'))).toEqual(Buffer.from('agent\0bytes'));
        expect(await exists(join(project, `logo.bin.bottle-${identity}`))).toBe(false);
        expect(await conflicts()).toEqual([]);

        // The agent changes the resolved file again: that newer version is a conflict again, nothing lost.
        await execIn(container, ['sh', '-c', "printf 'the agent again\\n' >> /workspace/notes.txt"]);
        expect(await conflicts()).toEqual(['notes.txt']);
        expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(result);

        // Hostile or wrong input: one line, nothing done.
        await expect(core.changes.mergeVersions(identity, '../etc/passwd')).rejects.toThrow(/invalid workspace path/);
        await expect(core.changes.mergeVersions(identity, 'nope.txt')).rejects.toThrow(`nope.txt is not among the changes of ${identity}`);
      } finally {
        await core.close();
      }
    },
  );

  it('claude-bottle resolve prints the merge, saves a FILE as the result or one side whole', { timeout: 240_000 }, async () => {
    const started = await runCli(['start', 'merger', '--cwd', project, '--copy', '--detach', '--json']);
    expect(started.code).toBe(0);
    const { identity } = JSON.parse(started.stdout) as { identity: string };
    const container = await bottleContainer(identity);
    await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
    const notInConflict = await runCli(['resolve', identity, 'notes.txt']);
    expect(notInConflict).toMatchObject({ code: 1, stderr: 'claude-bottle: notes.txt is not in conflict: there is nothing to resolve\n' });

    await writeFile(join(project, 'notes.txt'), 'one by you\ntwo\nthree\nfour by you\nfive\nsix\nseven\n');
    const printed = await runCli(['resolve', identity, 'notes.txt']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(
      'one by you\ntwo\nthree\n<<<<<<< yours (project folder)\nfour by you\n=======\nfour by the agent\n>>>>>>> agent\nfive\nSIX by the agent\nseven\n',
    );
    const edited = join(env.home(), 'merged.txt');
    await writeFile(edited, 'one by you\ntwo\nthree\nfour by both\nfive\nSIX by the agent\nseven\n');
    const missing = await runCli(['resolve', identity, 'notes.txt', '--take', join(env.home(), 'nope.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^claude-bottle: cannot read .*nope\.txt: ENOENT/);
    const saved = await runCli(['resolve', identity, 'notes.txt', '--take', edited]);
    expect(saved).toMatchObject({ code: 0, stdout: `resolved notes.txt: ${edited} is in the project folder\n` });
    expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(
      'one by you\ntwo\nthree\nfour by both\nfive\nSIX by the agent\nseven\n',
    );

    await writeFile(join(project, 'logo.bin'), Buffer.from('your\0bytes'));
    const binary = await runCli(['resolve', identity, 'logo.bin']);
    expect(binary.stdout).toBe('logo.bin: your version is binary: take one side whole (--take host or --take agent)\n');
    const kept = await runCli(['resolve', identity, 'logo.bin', '--take', 'host', '--json']);
    expect(JSON.parse(kept.stdout)).toMatchObject({ path: 'logo.bin', take: 'host', wrote: false });
    expect(await readFile(join(project, 'logo.bin'))).toEqual(Buffer.from('your\0bytes'));
    const diff = await runCli(['diff', identity, '--json']);
    expect((JSON.parse(diff.stdout) as { files: { path: string; conflict: boolean }[] }).files.filter((file) => file.conflict)).toEqual([]);
  });
});
