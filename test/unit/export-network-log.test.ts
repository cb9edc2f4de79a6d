import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeBaseline } from '../../src/core/changes/baseline';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { FolderReader } from '../../src/core/changes/folder-reader';
import { exportChanges, type ExportTarget } from '../../src/core/changes/git-export';
import { appendNetworkLog, networkLogJsonLines } from '../../src/core/state/network-log';
import { bottlePaths, stateDir } from '../../src/core/state/state-paths';
import type { ExportResult } from '../../src/shared/changes';
import type { NetworkLogEntry } from '../../src/shared/network-view';
import { compareWith, copyTree, git, tempDir, TEST_IDENTITY, useChangesFolders, writeTree } from '../helpers/changes-fixtures';

/*
 * Issue 19: the bottle's connection log goes with its exported work as JSON Lines: beside a patch
 * (never over an existing file) and as a git note on an exported branch's tip (its files and
 * history stay the agent's work).
 */

const ID = TEST_IDENTITY;
const dirs = useChangesFolders();

function record(host: string, decision: 'allow' | 'deny'): NetworkLogEntry {
  return {
    time: '2026-12-03T14:00:00.000Z',
    event: decision === 'allow' ? 'end' : 'refused',
    host,
    port: 443,
    protocol: 'connect',
    decision,
    by: decision === 'allow' ? 'rule' : 'operator',
    reason: decision === 'allow' ? 'agent: api.example.com:443' : 'refused by the operator',
    bytesUp: 120,
    bytesDown: 4096,
  };
}

async function agentWork(): Promise<Baseline> {
  await writeTree(dirs.project, { 'a.txt': 'a\n' });
  await git(dirs.project, 'init', '-q');
  await git(dirs.project, 'add', '.');
  await git(dirs.project, 'commit', '-qm', 'start');
  const baseline = await takeBaseline(ID, dirs.project, true);
  // The bottle's state folder, where its gateway's records are appended.
  await mkdir(stateDir(ID), { recursive: true });
  await copyTree(dirs.project, dirs.snapshot);
  await writeFile(join(dirs.snapshot, 'a.txt'), 'a, agent\n');
  return baseline;
}

async function exportWithLog(baseline: Baseline, target: ExportTarget): Promise<ExportResult> {
  const reader = new FolderReader('snapshot', dirs.snapshot, undefined);
  const { changes, listing, base } = await compareWith(baseline, reader);
  return exportChanges(
    {
      identity: ID,
      baseline,
      reader,
      listing,
      changes,
      base,
      agentGitDir: async () => join(dirs.snapshot, '.git'),
      progress: () => undefined,
      networkLog: await networkLogJsonLines(ID),
    },
    target,
  );
}

function jsonLines(text: string): unknown[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

describe('the connection log exported with the bottle', () => {
  it('reads the rotated file, then the current one, as JSON Lines, leaving out lines that are not records', async () => {
    await agentWork();
    expect(await networkLogJsonLines(ID)).toBe('');
    await writeFile(`${bottlePaths(ID).networkLog}.1`, `${JSON.stringify(record('old.example', 'allow'))}\nnot json\n{"host":1}\n`);
    await appendNetworkLog(ID, record('new.example', 'deny'));
    expect(jsonLines(await networkLogJsonLines(ID))).toEqual([record('old.example', 'allow'), record('new.example', 'deny')]);
  });

  it('a patch gets <patch>.network.jsonl beside it; an existing one is refused before anything is written', async () => {
    const baseline = await agentWork();
    await appendNetworkLog(ID, record('api.example.com', 'allow'));
    await appendNetworkLog(ID, record('evil.example', 'deny'));
    const folder = await tempDir('export-net-');
    const patch = join(folder, 'work.patch');
    const result = await exportWithLog(baseline, { patchFile: patch });
    expect(result.networkLog).toBe(`${patch}.network.jsonl`);
    expect(jsonLines(await readFile(`${patch}.network.jsonl`, 'utf8'))).toEqual([
      record('api.example.com', 'allow'),
      record('evil.example', 'deny'),
    ]);

    const other = join(folder, 'other.patch');
    await writeFile(`${other}.network.jsonl`, 'mine\n');
    await expect(exportWithLog(baseline, { patchFile: other })).rejects.toThrow(/other\.patch\.network\.jsonl already exists/);
    await expect(readFile(other)).rejects.toThrow(/ENOENT/);
    expect(await readFile(`${other}.network.jsonl`, 'utf8')).toBe('mine\n');
  });

  it('a branch carries it as a note on its tip, and its tree stays the agent’s work', async () => {
    const baseline = await agentWork();
    await appendNetworkLog(ID, record('api.example.com', 'allow'));
    const result = await exportWithLog(baseline, { branch: 'agent-work' });
    expect(result.networkLog).toBe('refs/notes/claude-bottle-network');
    expect(jsonLines(await git(dirs.project, 'notes', '--ref=claude-bottle-network', 'show', 'agent-work'))).toEqual([
      record('api.example.com', 'allow'),
    ]);
    expect(await git(dirs.project, 'ls-tree', '-r', '--name-only', 'agent-work')).toBe('a.txt\n');
  });

  it('no record: nothing beside the patch, no note', async () => {
    const baseline = await agentWork();
    const patch = join(await tempDir('export-net-'), 'work.patch');
    expect((await exportWithLog(baseline, { patchFile: patch })).networkLog).toBeNull();
    await expect(readFile(`${patch}.network.jsonl`)).rejects.toThrow(/ENOENT/);
  });
});
