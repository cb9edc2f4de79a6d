import { lstatSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { BOTTLE_FILES, stateRoot, stateScanCachePath } from './state-paths';
import { scanBottleFolder, type StateEntry } from './state-listing';

/*
 * The folder scans of the last listing, kept across processes (issue 23): `ls` of thousands of
 * bottles otherwise lists every bottle folder and reads its metadata.json, every time. An entry is
 * used only while its stamp still holds: the folder's and its metadata.json's inode and change time
 * (ctime, which no one can set back) and the metadata's size. Every file the scan reads besides
 * metadata.json (engine.json, created.json, ready-to-resume.json) and every file whose presence it
 * notes is written by rename (writeFileAtomic) or created or removed, all of which change the
 * folder's ctime; metadata.json has its own stamp because the Python CLI may rewrite it in place.
 * The stamp is taken before the scan, so a change during the scan makes the next stamp differ.
 */

/** Bumped when StateEntry changes shape: an older file is then ignored whole. */
const VERSION = 1;
/** Far more than 100,000 bottles take; a bigger file is not ours and is ignored. */
const MAX_CACHE_BYTES = 128 * 1024 * 1024;
/**
 * A folder changed this recently is scanned again next time rather than trusted: file times tick
 * coarsely (a few ms), so a change in the same tick as the scan would leave the stamp as it was
 * (git's "racily clean" entries).
 */
const RACY_MS = 2000;

interface CachedScan {
  stamp: string;
  entry: StateEntry;
}

/**
 * The stamp of a bottle folder, or null when it cannot be taken (gone, unreadable): then it is
 * scanned. `root`: the state root, joined here rather than through bottlePaths (which validates the
 * identity again and reads the environment for every path): the identity is one listStateRoot gave.
 */
function stampOf(root: string, identity: string): { stamp: string; changedMs: number } | null {
  const dir = join(root, identity);
  let folder: Stats | undefined;
  let metadata: Stats | undefined;
  try {
    folder = lstatSync(dir, { throwIfNoEntry: false });
    metadata = lstatSync(join(dir, BOTTLE_FILES.metadata), { throwIfNoEntry: false });
  } catch (error: unknown) {
    // Unreadable (EACCES, ENOTDIR, EIO): the scan reads it and reports what it finds. See above.
    return null;
  }
  if (folder === undefined || metadata === undefined) return null;
  return {
    stamp: `${folder.ino}:${folder.ctimeMs}:${folder.mtimeMs}/${metadata.ino}:${metadata.ctimeMs}:${metadata.size}`,
    changedMs: Math.max(folder.ctimeMs, metadata.ctimeMs),
  };
}

/** A cached entry as this module wrote it; anything else (a damaged or foreign file) is not used. */
function isCachedScan(identity: string, value: unknown): value is CachedScan {
  if (typeof value !== 'object' || value === null) return false;
  const { stamp, entry } = value as { stamp?: unknown; entry?: unknown };
  if (typeof stamp !== 'string' || typeof entry !== 'object' || entry === null) return false;
  const fields = entry as { identity?: unknown; status?: unknown; metadata?: unknown };
  return (
    fields.identity === identity &&
    fields.status === 'ok' &&
    typeof fields.metadata === 'object' &&
    fields.metadata !== null &&
    (fields.metadata as { identity?: unknown }).identity === identity
  );
}

function loadEntries(root: string): Map<string, CachedScan> {
  const entries = new Map<string, CachedScan>();
  const read = readSmallFileSync(stateScanCachePath(), MAX_CACHE_BYTES);
  // Missing (first listing) or unreadable: everything is scanned, and the file written anew.
  if (read.kind !== 'ok') return entries;
  const parsed = parseJson(read.text) as { version?: unknown; root?: unknown; scans?: unknown } | null;
  if (typeof parsed !== 'object' || parsed === null || parsed.version !== VERSION || parsed.root !== root) return entries;
  const scans = parsed.scans;
  if (typeof scans !== 'object' || scans === null) return entries;
  for (const [identity, value] of Object.entries(scans)) if (isCachedScan(identity, value)) entries.set(identity, value);
  return entries;
}

/**
 * The folder scans of one listing pass: `scan` answers from the kept scan when the folder's stamp
 * still matches, else scans it; `save` keeps this pass's scans for the next one.
 */
export class StateScanCache {
  private readonly kept: Map<string, CachedScan>;
  private readonly now = new Map<string, CachedScan>();
  private changed = false;
  private readonly root = stateRoot();

  /** `startedMs`: when this pass started (a test passes a later time to keep folders it just made). */
  constructor(private readonly startedMs = Date.now()) {
    this.kept = loadEntries(this.root);
  }

  /** The folder's entry as scanBottleFolder gives it. */
  scan(identity: string): StateEntry | null {
    const stamp = stampOf(this.root, identity);
    // A pass may scan a folder twice (before and after settling its inbox).
    const kept = this.now.get(identity) ?? this.kept.get(identity);
    if (stamp !== null && kept !== undefined && kept.stamp === stamp.stamp) {
      this.now.set(identity, kept);
      return kept.entry;
    }
    const entry = scanBottleFolder(identity);
    // Only a whole, settled folder is kept: a damaged one is read again each time, to say why.
    if (stamp !== null && entry !== null && entry.status === 'ok' && stamp.changedMs < this.startedMs - RACY_MS)
      this.now.set(identity, { stamp: stamp.stamp, entry });
    else this.now.delete(identity);
    this.changed = true;
    return entry;
  }

  /** Keeps this pass's scans (bottles it did not see are dropped); writes nothing when nothing changed. */
  async save(): Promise<void> {
    if (!this.changed && this.now.size === this.kept.size) return;
    const scans = Object.fromEntries(this.now);
    // Not durable: a cache lost in a crash (empty or missing) is only scanned again.
    await writeFileAtomic(stateScanCachePath(), JSON.stringify({ version: VERSION, root: this.root, scans }), 0o600, {
      durable: false,
    });
  }
}
