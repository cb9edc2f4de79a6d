import { INLINE_DIFF_MAX_BYTES } from '../../shared/changes';
import { sideKey, type AgentSide, type CompareCache, type SideMap } from './compare-cache';
import { looksBinary } from './content-digest';
import type { AgentContent, AgentEntry, AgentListing, WorkspaceReader } from './workspace-reader';

/** Content held in memory for diffing during one comparison, at most. */
const READ_KEEP_BUDGET = 64 * 1024 * 1024;
/** Enough of a file to tell binary from text. */
const SNIFF_BYTES = 8000;

function sideOf(content: AgentContent, trimmed: boolean): AgentSide {
  return {
    trimmed,
    kind: content.kind,
    size: content.size,
    mode: content.mode,
    oid: content.digest?.oid ?? null,
    target: content.target,
    binary: content.kind === 'file' && looksBinary(content.data),
    data: content.data,
    complete: content.complete,
  };
}

function sideFrom(content: AgentContent | null | undefined, keep: number): AgentSide | null {
  return content == null ? null : sideOf(content, keep < INLINE_DIFF_MAX_BYTES && !content.complete);
}

/**
 * How much of each entry to keep: whole small files for their diffs while the memory budget
 * lasts; past it, only enough of each to tell binary from text (their diffs then load on demand).
 */
function keepPlan(entries: AgentEntry[]): number[] {
  let keepBudget = READ_KEEP_BUDGET;
  return entries.map((entry) => {
    const keep = Math.min(entry.size, INLINE_DIFF_MAX_BYTES) <= keepBudget ? INLINE_DIFF_MAX_BYTES : SNIFF_BYTES;
    keepBudget -= Math.min(entry.size, keep);
    return keep;
  });
}

/** Reads the selected entries in one go, into `sides` and the cache; forgets the rest of the cache. */
export async function readSides(
  toRead: AgentEntry[],
  listing: AgentListing,
  reader: WorkspaceReader,
  cache: CompareCache,
  sides: SideMap,
): Promise<void> {
  const racySecond = Math.floor(listing.takenAtMs / 1000);
  const keeps = keepPlan(toRead);
  const requests = toRead.map((entry, index) => ({ path: entry.path, keep: keeps[index] ?? SNIFF_BYTES }));
  const contents = await reader.readMany(requests);
  for (const [index, entry] of toRead.entries()) {
    const side = sideFrom(contents.get(entry.path), requests[index]?.keep ?? SNIFF_BYTES);
    cache.sides.set(entry.path, { key: sideKey(entry, racySecond), side });
    sides.set(entry.path, side);
  }
  cache.keepSides(sides);
}

/** One entry read again whole (up to the inline diff limit), for a diff its first read left out. */
export async function readWholeSide(reader: WorkspaceReader, path: string): Promise<AgentSide | null> {
  return sideFrom(await reader.read(path, INLINE_DIFF_MAX_BYTES), INLINE_DIFF_MAX_BYTES);
}
