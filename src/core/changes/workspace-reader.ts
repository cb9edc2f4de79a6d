import type { ChangeSource } from '../../shared/changes';
import type { BaselineEntry } from './baseline-types';
import type { ContentDigest } from './content-digest';

/** One file or symlink on the agent's side. */
export interface AgentEntry {
  path: string;
  kind: 'file' | 'symlink';
  size: number;
  mode: number;
  mtimeMs: number;
  /** Null where the source has no such clock (a tar archive). */
  ctimeMs: number | null;
  ino: number | null;
  /** A symlink's target when the listing carries it; otherwise read on demand. */
  target: string | null;
}

export interface AgentListing {
  entries: Map<string, AgentEntry>;
  takenAtMs: number;
  /** `.git` entries below the top, where the reader sees them (a folder on the host). */
  gitEntries?: string[];
}

export interface AgentContent {
  kind: 'file' | 'symlink';
  size: number;
  mode: number;
  /** Null when the file is too large to read for a comparison. */
  digest: ContentDigest | null;
  /** At most the bytes asked for. */
  data: Buffer;
  complete: boolean;
  target: string | null;
}

/** One entry to read, keeping at most `keep` bytes of it. */
export interface ReadRequest {
  path: string;
  keep: number;
}

/** One file to copy whole out of the workspace, to a new host file. */
export interface CopyRequest {
  path: string;
  dest: string;
  mode: number;
}

/** Files larger than this are not read just to compare them: they count as changed. */
export const MAX_COMPARE_BYTES = 256 * 1024 * 1024;

/**
 * The agent's side of a comparison: a running bottle's /workspace (through `docker exec` and the
 * archive API), an exited container's filesystem, the saved snapshot, or (mount mode) the project
 * folder itself. Everything read through it is the agent's and treated as hostile.
 */
export interface WorkspaceReader {
  readonly source: ChangeSource;
  list(): Promise<AgentListing>;
  /** A cheaper look: null when nothing changed since `previous`, else a fresh listing. */
  refresh(previous: AgentListing): Promise<AgentListing | null>;
  /** True when size and times prove the entry still holds its start-of-run content. */
  sameAsBaseline(base: BaselineEntry, entry: AgentEntry): boolean;
  /** The entry's content (at most `keepBytes` kept) with its digest; null when it is gone. */
  read(path: string, keepBytes: number): Promise<AgentContent | null>;
  /** Many entries at once (one stream out of a running bottle); null for those that are gone. */
  readMany(requests: ReadRequest[]): Promise<Map<string, AgentContent | null>>;
  /**
   * Writes each regular file's whole content to its `dest` (created exclusively); a symlink comes
   * back as such with nothing written; null for what is gone.
   */
  copyMany(requests: CopyRequest[]): Promise<Map<string, AgentContent | null>>;
  close(): Promise<void>;
}

/** Same type, size and permission bits, and the same modification second (or millisecond). */
export function sameStat(base: BaselineEntry, entry: AgentEntry, resolutionMs: number): boolean {
  if (base.racy || base.kind !== entry.kind || base.size !== entry.size || (base.mode & 0o777) !== (entry.mode & 0o777)) return false;
  return Math.floor(base.mtimeMs / resolutionMs) === Math.floor(entry.mtimeMs / resolutionMs);
}

/** What identifies an entry's state between two listings: unchanged key, unchanged content. */
export function statKey(entry: AgentEntry): string {
  return `${entry.kind}:${entry.size}:${entry.mode}:${entry.mtimeMs}:${entry.ctimeMs ?? ''}:${entry.ino ?? ''}:${entry.target ?? ''}`;
}
