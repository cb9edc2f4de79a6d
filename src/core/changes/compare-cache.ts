import type { EntryKind, FileChange } from '../../shared/changes';
import { statKey, type AgentEntry } from './workspace-reader';

/** The agent's version of one path, as last read. */
export interface AgentSide {
  kind: EntryKind;
  size: number;
  mode: number;
  oid: string | null;
  target: string | null;
  binary: boolean;
  data: Buffer;
  complete: boolean;
  /** Its content was not kept (memory budget, or dropped after its change was described). */
  trimmed: boolean;
}

/** The agent's side of each path one comparison looks at (null: gone when it was read). */
export type SideMap = Map<string, AgentSide | null>;

/**
 * What one bottle's last comparison read, kept between refreshes: an entry whose listing is the
 * same as last time is not read again, and its change is not diffed again.
 */
export class CompareCache {
  readonly sides = new Map<string, { key: string; side: AgentSide | null }>();
  readonly changes = new Map<string, { key: string; change: FileChange | null }>();

  /** Forgets what was read of paths this comparison no longer looks at. */
  keepSides(live: ReadonlyMap<string, unknown>): void {
    for (const path of this.sides.keys()) if (!live.has(path)) this.sides.delete(path);
  }

  /** Forgets the described changes of paths that no longer differ. */
  keepChanges(live: ReadonlySet<string>): void {
    for (const path of this.changes.keys()) if (!live.has(path)) this.changes.delete(path);
  }

  /** Described changes are cached whole; the content they came from need not stay in memory. */
  dropContent(): void {
    for (const cached of this.sides.values()) {
      if (cached.side !== null && cached.side.data.length > 0) cached.side = { ...cached.side, data: Buffer.alloc(0), trimmed: true };
    }
  }
}

/**
 * An entry's cache key: its listing, marked racy when modified in the listing's own second (a
 * write later in that second would not change the listing, so a racy entry is always read again).
 */
export function sideKey(entry: AgentEntry, racySecond: number): string {
  return statKey(entry) + (Math.floor(entry.mtimeMs / 1000) >= racySecond ? ':racy' : '');
}

export function isRacyKey(key: string): boolean {
  return key.endsWith(':racy');
}
