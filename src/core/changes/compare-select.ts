import type { Baseline } from './baseline-types';
import { isRacyKey, sideKey, type CompareCache, type SideMap } from './compare-cache';
import type { AgentEntry, AgentListing, WorkspaceReader } from './workspace-reader';

export interface Selection {
  /** The agent's side of each entry that may differ, as far as the cache already knows it. */
  sides: SideMap;
  /** Entries that may differ and must be read. */
  toRead: AgentEntry[];
}

/**
 * Which listed entries the comparison looks at: only those whose size or times differ from the
 * baseline (or that the reader cannot prove untouched), and of those it reads only the ones whose
 * listing changed since the last comparison.
 */
export function selectEntries(baseline: Baseline, listing: AgentListing, reader: WorkspaceReader, cache: CompareCache): Selection {
  const racySecond = Math.floor(listing.takenAtMs / 1000);
  const sides: SideMap = new Map();
  const toRead: AgentEntry[] = [];
  for (const [path, entry] of listing.entries) {
    const baseEntry = baseline.entries[path];
    if (baseEntry !== undefined && reader.sameAsBaseline(baseEntry, entry)) continue;
    const key = sideKey(entry, racySecond);
    const cached = cache.sides.get(path);
    if (cached !== undefined && cached.key === key && !isRacyKey(key)) sides.set(path, cached.side);
    else toRead.push(entry);
  }
  return { sides, toRead };
}
