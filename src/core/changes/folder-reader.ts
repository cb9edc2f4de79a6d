import { lstat, readlink, realpath } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';
import type { Baseline, BaselineEntry } from './baseline-types';
import { linkDigest, readHostFile } from './content-digest';
import { walkFolder } from './host-walk';
import { hostPathOf } from './relative-path';
import { verifySnapshot } from './snapshot-proof';
import { mapLimited } from '../state/state-listing';
import {
  MAX_COMPARE_BYTES,
  sameStat,
  type AgentContent,
  type AgentEntry,
  type AgentListing,
  type CopyRequest,
  type ReadRequest,
  type WorkspaceReader,
} from './workspace-reader';

/**
 * What hides an entry of the agent's folder from us, as its absence does: a folder on the way the
 * agent made unreadable (EACCES) or swapped for a link loop (ELOOP). The walk passes over the same.
 */
const AGENT_HIDDEN: readonly string[] = ['EACCES', 'ELOOP'];

/** A snapshot's bottle: whose baseline its same-stat files are proven against (snapshot-proof.ts). */
export interface SnapshotOwner {
  identity: string;
  baseline: Baseline;
}

/**
 * The agent's side read from a folder on the host: the project folder itself (mount mode, where
 * the host's own clocks tell every touch: ctime and inode too), or the snapshot saved when the
 * bottle stopped (copy mode; its times come from a tar, in whole seconds, and the agent may have
 * set them back: a file is proven unchanged there by its content, see verifySnapshot).
 */
export class FolderReader implements WorkspaceReader {
  private realRoot: string | null = null;
  /** Snapshot: the same-stat entries of the last listing proven to hold their start-of-run content. */
  private trusted = new Set<string>();

  constructor(
    readonly source: 'folder' | 'snapshot',
    private readonly root: string,
    private readonly ignore: ((path: string) => boolean) | undefined,
    private readonly owner?: SnapshotOwner,
  ) {}

  async list(): Promise<AgentListing> {
    const takenAtMs = Date.now();
    const walk = await walkFolder(this.root, this.ignore);
    const entries = new Map<string, AgentEntry>();
    for (const item of walk.entries.values()) entries.set(item.path, { ...item });
    if (this.source === 'snapshot' && this.owner !== undefined) {
      const { identity, baseline } = this.owner;
      this.trusted = (await verifySnapshot(identity, baseline, this.root, await this.within(), entries.values())).trusted;
    }
    return { entries, takenAtMs, gitEntries: walk.gitEntries };
  }

  /**
   * The project folder is walked again. A snapshot only changes when its bottle stops or is
   * rebuilt, and then the workspace is found anew: nothing to look at.
   */
  async refresh(): Promise<AgentListing | null> {
    return this.source === 'snapshot' ? null : this.list();
  }

  sameAsBaseline(base: BaselineEntry, entry: AgentEntry): boolean {
    // A snapshot's entry not proven by its content (no owner given) is read: size and time can be forged.
    if (this.source === 'snapshot') return sameStat(base, entry, 1000) && this.trusted.has(entry.path);
    return sameStat(base, entry, 1) && base.ctimeMs === entry.ctimeMs && base.ino === entry.ino;
  }

  async read(path: string, keepBytes: number): Promise<AgentContent | null> {
    const full = hostPathOf(this.root, path);
    const info = await ifExists(lstat(full), AGENT_HIDDEN);
    if (info === null) return null;
    if (info.isSymbolicLink()) {
      // EINVAL: swapped for something that is not a link since the lstat.
      const target = await ifExists(readlink(full), ['EINVAL', ...AGENT_HIDDEN]);
      if (target === null) return null;
      return {
        kind: 'symlink',
        size: info.size,
        mode: info.mode & 0o7777,
        digest: linkDigest(target),
        data: Buffer.alloc(0),
        complete: true,
        target,
      };
    }
    if (!info.isFile()) return null;
    if (info.size > MAX_COMPARE_BYTES)
      return {
        kind: 'file',
        size: info.size,
        mode: info.mode & 0o7777,
        digest: null,
        data: Buffer.alloc(0),
        complete: false,
        target: null,
      };
    const read = await readHostFile(full, keepBytes, undefined, await this.within());
    if (read === null) return null;
    return { kind: 'file', size: read.size, mode: read.mode, digest: read.digest, data: read.data, complete: read.complete, target: null };
  }

  async readMany(requests: ReadRequest[]): Promise<Map<string, AgentContent | null>> {
    const results = await mapLimited(requests, 8, ({ path, keep }) => this.read(path, keep));
    return new Map(requests.map((request, index) => [request.path, results[index] ?? null]));
  }

  async copyMany(requests: CopyRequest[]): Promise<Map<string, AgentContent | null>> {
    const results = await mapLimited(requests, 8, async ({ path, dest, mode }) => {
      const read = await readHostFile(hostPathOf(this.root, path), 0, { dest, mode }, await this.within());
      if (read === null) return this.read(path, 0);
      return {
        kind: 'file',
        size: read.size,
        mode: read.mode,
        digest: read.digest,
        data: read.data,
        complete: read.complete,
        target: null,
      } satisfies AgentContent;
    });
    return new Map(requests.map((request, index) => [request.path, results[index] ?? null]));
  }

  /** The folder's real path: every file read must be inside it. */
  private async within(): Promise<string> {
    this.realRoot ??= await realpath(this.root);
    return this.realRoot;
  }

  async close(): Promise<void> {
    // Nothing held open: every read opens and closes its own file.
  }
}
