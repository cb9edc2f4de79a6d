import { chmod, lstat, mkdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyAppliedRecord, type AppliedRecord } from '../../src/core/changes/applied-record';
import { planApply } from '../../src/core/changes/apply-plan';
import { runApply } from '../../src/core/changes/apply-run';
import { takeBaseline } from '../../src/core/changes/baseline';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { BlobStore } from '../../src/core/changes/blob-store';
import { changesPaths } from '../../src/core/state/state-paths';
import { FolderReader } from '../../src/core/changes/folder-reader';
import { compareWith, copyTree, tempDir, TEST_IDENTITY, treeContents, useChangesFolders, writeTree } from '../helpers/changes-fixtures';

const ID = TEST_IDENTITY;
const dirs = useChangesFolders();

async function start(files: Record<string, string>): Promise<Baseline> {
  await writeTree(dirs.project, files);
  const past = new Date(Date.now() - 3600_000);
  for (const path of Object.keys(files)) await utimes(join(dirs.project, path), past, past);
  const baseline = await takeBaseline(ID, dirs.project, true);
  await copyTree(dirs.project, dirs.snapshot);
  return baseline;
}

/** What `claude-bottle apply` does, on a snapshot folder as the agent's side. */
async function apply(
  baseline: Baseline,
  record: AppliedRecord,
  options: { dryRun?: boolean; sidecars?: boolean } = {},
): ReturnType<typeof runApply> {
  const reader = new FolderReader('snapshot', dirs.snapshot, undefined);
  const { changes } = await compareWith(baseline, reader, record);
  const steps = await planApply({ identity: ID, baseline, changes, applied: record, sidecars: options.sidecars ?? true });
  if (options.dryRun === true)
    return steps.map((step) => ({ path: step.path, action: step.action, detail: step.detail, sidecar: step.sidecar }));
  return runApply({ root: dirs.project, steps, reader, record, blobs: new BlobStore(changesPaths(ID).blobs), progress: () => undefined });
}

describe('apply: a three-way decision per file', () => {
  it('writes what only the agent changed, keeps what the operator changed too, and a second apply changes nothing', async () => {
    const baseline = await start({
      'a.txt': 'a\n',
      'both.txt': 'base\n',
      'gone.txt': 'x\n',
      'kept-by-you.txt': 'y\n',
      'dir/deep.txt': 'd\n',
    });
    await writeTree(dirs.snapshot, { 'a.txt': 'agent a\n', 'both.txt': 'agent version\n', 'new/file.txt': 'new\n' });
    await rm(join(dirs.snapshot, 'gone.txt'));
    await rm(join(dirs.snapshot, 'kept-by-you.txt'));
    await rm(join(dirs.snapshot, 'dir'), { recursive: true });
    // The operator edits two of the same files meanwhile.
    await writeFile(join(dirs.project, 'both.txt'), 'operator version\n');
    await writeFile(join(dirs.project, 'kept-by-you.txt'), 'operator keeps this\n');

    const record = emptyAppliedRecord();
    const dry = await apply(baseline, record, { dryRun: true });
    expect(dry.map((o) => [o.path, o.action])).toEqual(
      expect.arrayContaining([
        ['a.txt', 'write'],
        ['both.txt', 'conflict'],
        ['gone.txt', 'delete'],
        ['kept-by-you.txt', 'conflict'],
        ['dir/deep.txt', 'delete'],
        ['new/file.txt', 'write'],
      ]),
    );
    expect(await readFile(join(dirs.project, 'a.txt'), 'utf8')).toBe('a\n');

    const outcomes = await apply(baseline, record);
    expect(Object.fromEntries(outcomes.map((o) => [o.path, o.action]))).toEqual({
      'a.txt': 'write',
      'both.txt': 'conflict',
      'dir/deep.txt': 'delete',
      'gone.txt': 'delete',
      'kept-by-you.txt': 'conflict',
      'new/file.txt': 'write',
    });
    expect(await readFile(join(dirs.project, 'both.txt'), 'utf8')).toBe('operator version\n');
    expect(await readFile(join(dirs.project, `both.txt.bottle-${ID}`), 'utf8')).toBe('agent version\n');
    expect(await readFile(join(dirs.project, 'kept-by-you.txt'), 'utf8')).toBe('operator keeps this\n');
    expect(await readFile(join(dirs.project, 'a.txt'), 'utf8')).toBe('agent a\n');
    expect(await lstat(join(dirs.project, 'dir')).catch(() => null)).toBeNull();
    expect(await lstat(join(dirs.project, 'gone.txt')).catch(() => null)).toBeNull();

    const again = await apply(baseline, record);
    expect(again.filter((o) => o.action !== 'unchanged' && o.action !== 'conflict')).toEqual([]);
    expect(again.find((o) => o.path === 'both.txt')?.sidecar).toBe(`both.txt.bottle-${ID}`);

    // The agent goes on working: a file apply wrote is the operator's "unchanged" next time.
    await writeFile(join(dirs.snapshot, 'a.txt'), 'agent a, second pass\n');
    const third = await apply(baseline, record);
    expect(third.find((o) => o.path === 'a.txt')?.action).toBe('write');
    expect(await readFile(join(dirs.project, 'a.txt'), 'utf8')).toBe('agent a, second pass\n');
  });

  it('without sidecars, a conflict writes nothing beside the operator’s file', async () => {
    const baseline = await start({ 'f.txt': 'base\n' });
    await writeFile(join(dirs.snapshot, 'f.txt'), 'agent\n');
    await writeFile(join(dirs.project, 'f.txt'), 'operator\n');
    const outcomes = await apply(baseline, emptyAppliedRecord(), { sidecars: false });
    expect(outcomes).toEqual([{ path: 'f.txt', action: 'conflict', detail: 'you changed it too: your file stays', sidecar: null }]);
    expect(await lstat(join(dirs.project, `f.txt.bottle-${ID}`)).catch(() => null)).toBeNull();
  });

  it('the result is byte-identical to the agent’s workspace, modes and symlinks included', async () => {
    const baseline = await start({ 'a.txt': 'a\n', 'run.sh': 'echo\n', 'sub/b.txt': 'b\n' });
    await writeTree(dirs.snapshot, { 'a.txt': 'changed\n', 'sub/c.bin': '\u0000\u0001binary' });
    await chmod(join(dirs.snapshot, 'run.sh'), 0o755);
    await symlink('../a.txt', join(dirs.snapshot, 'sub', 'link'));
    await rm(join(dirs.snapshot, 'sub', 'b.txt'));
    await apply(baseline, emptyAppliedRecord());
    expect(await treeContents(dirs.project)).toEqual(await treeContents(dirs.snapshot));
  });

  it('never writes through a symlink, and never creates a link out of the project', async () => {
    const outside = await tempDir('apply-outside-');
    const baseline = await start({ 'safe/x.txt': 'x\n' });
    await writeTree(dirs.snapshot, { 'safe/x.txt': 'agent\n', 'escape/y.txt': 'agent\n' });
    await symlink('/etc/passwd', join(dirs.snapshot, 'evil-link'));
    // On the host, a folder the agent writes into has become a symlink to somewhere else.
    await symlink(outside, join(dirs.project, 'escape'));
    const outcomes = await apply(baseline, emptyAppliedRecord());
    const byPath = Object.fromEntries(outcomes.map((o) => [o.path, o]));
    expect(byPath['escape/y.txt']).toMatchObject({ action: 'skipped', detail: expect.stringContaining('symlink') });
    expect(byPath['evil-link']).toMatchObject({ action: 'skipped', detail: expect.stringContaining('outside the project') });
    expect(byPath['safe/x.txt']?.action).toBe('write');
    expect(await lstat(join(outside, 'y.txt')).catch(() => null)).toBeNull();
    expect(await lstat(join(dirs.project, 'evil-link')).catch(() => null)).toBeNull();
    expect(await readlink(join(dirs.project, 'escape'))).toBe(outside);
  });

  it('a folder where the agent wrote a file is a conflict, not a loss', async () => {
    const baseline = await start({ thing: 'file\n' });
    await writeFile(join(dirs.snapshot, 'thing'), 'agent\n');
    await rm(join(dirs.project, 'thing'));
    await mkdir(join(dirs.project, 'thing'));
    const outcomes = await apply(baseline, emptyAppliedRecord());
    expect(outcomes[0]).toMatchObject({ path: 'thing', action: 'conflict', detail: 'a folder is in the way' });
  });
});
