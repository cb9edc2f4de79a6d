import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { parseJson } from '../base/parse-json';
import { bottlePaths, changesPaths } from '../state/state-paths';
import { mapLimited } from '../state/state-listing';
import { readAppliedRecord } from './applied-record';
import { BaseContent } from './base-content';
import type { Baseline } from './baseline-types';
import { BlobStore } from './blob-store';
import { hostPathOf } from './relative-path';
import { snapshotFileOid } from './snapshot-file-oid';
import { sameStat, type AgentEntry } from './workspace-reader';

/** A proof file larger than this is not read (recomputed), and no more proofs than this are written. */
const PROOF_FILE_MAX_BYTES = 32 * 1024 * 1024;
const PROOF_MAX_ENTRIES = 200_000;

const proofFileSchema = z.object({ version: z.literal(1), proven: z.record(z.string(), z.string()) });

/**
 * What a snapshot file was when its content was proven the start-of-run content. A snapshot is
 * replaced whole at each stop (new inodes, new ctimes), so a proof of an older one never matches.
 */
function proofKey(entry: AgentEntry): string {
  return `${entry.ino ?? ''}:${entry.size}:${entry.mtimeMs}:${entry.ctimeMs ?? ''}`;
}

/** The verdict on each snapshot entry whose size, mode and modification second match the baseline. */
export interface SnapshotVerdicts {
  /** Proven unchanged: same content (a proof, or a hash now), or nothing left to compare it with. */
  trusted: Set<string>;
  /** Same size and time as the baseline, other content: an edit whose time was set back to hide it. */
  forged: string[];
  /**
   * How many snapshot files were read to prove them: none when every proof was already written, or
   * when this process read the same files through another link (a sibling fork's).
   */
  hashed: number;
}

/** The proofs written at an earlier look; an empty map when there are none or the file is damaged. */
async function readProofs(path: string): Promise<Map<string, string>> {
  const info = await ifExists(stat(path));
  if (info === null || !info.isFile() || info.size > PROOF_FILE_MAX_BYTES) return new Map();
  const parsed = proofFileSchema.safeParse(parseJson(await readFile(path, 'utf8')));
  // Damaged (a crash mid-write cannot make one: the write is atomic): proven again, from the content.
  return parsed.success ? new Map(Object.entries(parsed.data.proven)) : new Map();
}

/**
 * Which of a stopped bottle's snapshot entries still hold their start-of-run content. Size and
 * modification time alone prove nothing there: the agent can write a file of the same size and set
 * its time back (`touch -r`), and the snapshot's tar keeps that time. So a file whose stat matches
 * the baseline is hashed once (streamed, never kept) and compared with the start-of-run blob id; the
 * proof is kept in the bottle's state folder (out of the agent's reach) keyed by the snapshot
 * file's inode, size and times, so later looks cost one stat each.
 */
export async function verifySnapshot(
  identity: string,
  baseline: Baseline,
  root: string,
  realRoot: string,
  entries: Iterable<AgentEntry>,
): Promise<SnapshotVerdicts> {
  const path = bottlePaths(identity).workspaceProof;
  const before = await readProofs(path);
  const base = new BaseContent(baseline, new BlobStore(changesPaths(identity).blobs), await readAppliedRecord(identity));
  const proven = new Map<string, string>();
  const verdicts: SnapshotVerdicts = { trusted: new Set(), forged: [], hashed: 0 };
  const candidates = [...entries].filter((entry) => {
    const start = baseline.entries[entry.path];
    return start !== undefined && sameStat(start, entry, 1000);
  });
  await mapLimited(candidates, 4, async (entry) => {
    if (entry.kind === 'symlink') {
      // The walk read the link: its target is the whole content.
      if (entry.target === baseline.entries[entry.path]?.target) verdicts.trusted.add(entry.path);
      else verdicts.forged.push(entry.path);
      return;
    }
    const key = proofKey(entry);
    if (before.get(entry.path) === key) {
      proven.set(entry.path, key);
      verdicts.trusted.add(entry.path);
      return;
    }
    // A project file the host cannot read (one root left there) has no start-of-run content to
    // compare with either: a launch or a look must not fail on it.
    const startOid = await base.oid(entry.path).catch((_error: unknown) => null);
    if (startOid === null) {
      // The start-of-run content is nowhere any more (copy mode, the operator changed the project
      // file and no hash was taken at the start): nothing to compare with; the stat decides, as before.
      verdicts.trusted.add(entry.path);
      return;
    }
    const { oid, read } = await snapshotFileOid(hostPathOf(root, entry.path), realRoot);
    if (read) verdicts.hashed += 1;
    if (oid === startOid) {
      proven.set(entry.path, key);
      verdicts.trusted.add(entry.path);
    } else if (oid !== null) verdicts.forged.push(entry.path);
  });
  verdicts.forged.sort();
  const unchanged = proven.size === before.size && [...proven].every(([name, key]) => before.get(name) === key);
  if (!unchanged) {
    const kept = Object.fromEntries([...proven].slice(0, PROOF_MAX_ENTRIES));
    await writeFileAtomic(path, JSON.stringify({ version: 1, proven: kept }));
  }
  return verdicts;
}
