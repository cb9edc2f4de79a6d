import type { BaseContent } from './base-content';
import type { Baseline } from './baseline-types';
import type { SideMap } from './compare-cache';
import type { AgentListing } from './workspace-reader';

/** Which paths changed, and how; each list in the order their changes are described. */
export interface Classified {
  modified: string[];
  /** Sorted; renamed paths included (see renamedFrom). */
  added: string[];
  deleted: string[];
  /** An added path holding a deleted path's content: the deleted path it was renamed from. */
  renamedFrom: Map<string, string>;
  /** The deleted paths that were renamed, so not reported as deleted. */
  renamedAway: Set<string>;
}

/** Added (no baseline entry) or modified (other content, kind or permission bits) among the read sides. */
async function splitRead(baseline: Baseline, base: BaseContent, sides: SideMap): Promise<{ added: string[]; modified: string[] }> {
  const added: string[] = [];
  const modified: string[] = [];
  for (const [path, side] of sides) {
    if (side === null) continue; // vanished between the listing and the read: next refresh tells
    const baseEntry = baseline.entries[path];
    if (baseEntry === undefined) {
      added.push(path);
      continue;
    }
    const baseOid = await base.oid(path);
    const sameContent = side.kind === baseEntry.kind && side.oid !== null && side.oid === baseOid;
    const sameMode = side.kind === 'symlink' || (side.mode & 0o777) === (baseEntry.mode & 0o777);
    if (sameContent && sameMode) continue;
    modified.push(path);
  }
  return { added, modified };
}

/** Renames: a deleted path's content (same kind and object id) under an added path. */
async function matchRenames(
  baseline: Baseline,
  base: BaseContent,
  sides: SideMap,
  deleted: string[],
  added: string[],
): Promise<Map<string, string>> {
  const deletedByOid = new Map<string, string[]>();
  for (const path of deleted) {
    const oid = await base.oid(path);
    if (oid === null) continue;
    const key = `${baseline.entries[path]?.kind}:${oid}`;
    deletedByOid.set(key, [...(deletedByOid.get(key) ?? []), path]);
  }
  const renamedFrom = new Map<string, string>();
  for (const path of added) {
    const side = sides.get(path);
    const candidates = side?.oid == null ? undefined : deletedByOid.get(`${side.kind}:${side.oid}`);
    const from = candidates?.shift();
    if (from !== undefined) renamedFrom.set(path, from);
  }
  return renamedFrom;
}

/** Sorts the read sides and the baseline's missing entries into added, modified, deleted and renamed. */
export async function classifyChanges(baseline: Baseline, listing: AgentListing, base: BaseContent, sides: SideMap): Promise<Classified> {
  const { added, modified } = await splitRead(baseline, base, sides);
  const deleted = Object.keys(baseline.entries).filter((path) => !listing.entries.has(path));
  added.sort();
  const renamedFrom = await matchRenames(baseline, base, sides, deleted, added);
  return { modified, added, deleted, renamedFrom, renamedAway: new Set(renamedFrom.values()) };
}
