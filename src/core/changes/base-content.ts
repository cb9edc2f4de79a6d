import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists } from '../fs/if-exists';
import type { AppliedRecord, AppliedVersion } from './applied-record';
import type { Baseline, BaselineEntry } from './baseline-types';
import type { BlobStore } from './blob-store';
import { readHostFile } from './content-digest';
import { readBlobs } from './git-objects';
import { hostPathOf } from './relative-path';

export interface BaseText {
  data: Buffer;
  complete: boolean;
}

/**
 * The start-of-run content of a path, from wherever it still is: a copy kept in the blob store,
 * git's object for it, or (copy mode) the project folder's own file while it is unchanged since.
 * Only "not there" means "nowhere": a project file the host cannot read, or a git that fails,
 * is an error for the caller, never "the project file changed".
 */
export class BaseContent {
  private readonly oids = new Map<string, string | null>();
  private readonly gitBlobs = new Map<string, Buffer>();

  constructor(
    private readonly baseline: Baseline,
    private readonly blobs: BlobStore,
    private readonly applied: AppliedRecord,
  ) {}

  entry(path: string): BaselineEntry | undefined {
    return this.baseline.entries[path];
  }

  /** The folder that still holds start-of-run files: the project folder, in copy mode only. */
  private get hostRoot(): string | null {
    return this.baseline.mode === 'copy' ? this.baseline.cwd : null;
  }

  /** True while the project folder's own file still has the size and time it had at the start. */
  private async hostUnchanged(path: string, entry: BaselineEntry): Promise<boolean> {
    if (this.hostRoot === null || entry.kind !== 'file') return false;
    const info = await ifExists(lstat(hostPathOf(this.hostRoot, path)));
    return (
      info !== null &&
      info.isFile() &&
      info.size === entry.size &&
      info.mtimeMs === entry.mtimeMs &&
      (info.mode & 0o777) === (entry.mode & 0o777)
    );
  }

  /**
   * Git's objects of the project's repository; none when that repository is gone (the operator
   * deleted the folder or its .git since the start). Any other git failure is the caller's.
   */
  private async readGitBlobs(oids: string[]): Promise<Map<string, Buffer>> {
    try {
      return await readBlobs(this.baseline.cwd, oids);
    } catch (error: unknown) {
      if ((await ifExists(lstat(join(this.baseline.cwd, '.git')))) === null) return new Map<string, Buffer>();
      throw error;
    }
  }

  /** Git's blob id of the start-of-run content; computed from the unchanged host file if needed. */
  async oid(path: string): Promise<string | null> {
    const entry = this.entry(path);
    if (entry === undefined) return null;
    if (entry.oid !== null) return entry.oid;
    const saved = this.applied.originals[path];
    if (saved !== undefined) return saved.oid;
    if (this.oids.has(path)) return this.oids.get(path) ?? null;
    let oid: string | null = null;
    if (this.hostRoot !== null && (await this.hostUnchanged(path, entry))) {
      oid = (await readHostFile(hostPathOf(this.hostRoot, path), 0))?.digest.oid ?? null;
    }
    this.oids.set(path, oid);
    return oid;
  }

  /** Fetches many git objects in one go before a comparison reads them one by one. */
  async prefetch(paths: string[], maxBytes: number): Promise<void> {
    if (this.baseline.git === null) return;
    const wanted = paths
      .map((path) => this.entry(path))
      .filter(
        (entry): entry is BaselineEntry =>
          entry !== undefined && entry.kind === 'file' && !entry.kept && entry.oid !== null && entry.size <= maxBytes,
      )
      .map((entry) => entry.oid as string)
      .filter((oid) => !this.gitBlobs.has(oid));
    if (wanted.length === 0) return;
    for (const [oid, data] of await this.readGitBlobs(wanted)) this.gitBlobs.set(oid, data);
  }

  /** Up to `maxBytes` of the start-of-run content; null when it is nowhere any more. */
  async read(path: string, maxBytes: number): Promise<BaseText | null> {
    const entry = this.entry(path);
    if (entry === undefined) return null;
    if (entry.kind === 'symlink') return { data: Buffer.from(entry.target ?? ''), complete: true };
    const limit = (data: Buffer): BaseText => ({ data: data.subarray(0, maxBytes), complete: data.length <= maxBytes });
    const sha256 = entry.kept ? entry.sha256 : (this.applied.originals[path]?.sha256 ?? null);
    if (sha256 !== null) {
      const kept = await this.blobs.get(sha256, Number.MAX_SAFE_INTEGER);
      if (kept !== null) return limit(kept);
    }
    if (entry.oid !== null && this.baseline.git !== null) {
      const cached = this.gitBlobs.get(entry.oid);
      if (cached !== undefined) return limit(cached);
      const fetched = (await this.readGitBlobs([entry.oid])).get(entry.oid);
      if (fetched !== undefined) return limit(fetched);
    }
    if (this.hostRoot !== null && (await this.hostUnchanged(path, entry))) {
      const read = await readHostFile(hostPathOf(this.hostRoot, path), maxBytes);
      if (read !== null && (entry.oid === null || read.digest.oid === entry.oid)) return { data: read.data, complete: read.complete };
    }
    return null;
  }

  /**
   * Up to `maxBytes` of what an apply wrote at a path (the left side of "new since last apply"):
   * the copy apply kept, the project folder's file while it still holds that version, or git's
   * object for it (the operator committed it). Null when it is nowhere any more.
   */
  async readApplied(path: string, version: AppliedVersion, maxBytes: number): Promise<BaseText | null> {
    if (version.kind === 'absent') return null;
    if (version.kind === 'symlink') return { data: Buffer.from(version.target), complete: true };
    const limit = (data: Buffer): BaseText => ({ data: data.subarray(0, maxBytes), complete: data.length <= maxBytes });
    if (version.sha256 !== undefined) {
      const kept = await this.blobs.get(version.sha256, Number.MAX_SAFE_INTEGER);
      if (kept !== null) return limit(kept);
    }
    if (this.hostRoot !== null) {
      const info = await ifExists(lstat(hostPathOf(this.hostRoot, path)));
      const read = info?.isFile() === true ? await readHostFile(hostPathOf(this.hostRoot, path), maxBytes) : null;
      if (read !== null && read.digest.oid === version.oid) return { data: read.data, complete: read.complete };
    }
    if (this.baseline.git !== null) {
      const fetched = (await this.readGitBlobs([version.oid])).get(version.oid);
      if (fetched !== undefined) return limit(fetched);
    }
    return null;
  }
}
