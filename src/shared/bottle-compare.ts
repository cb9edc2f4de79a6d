/**
 * Two bottles' workspaces side by side (issue 24: a fork against its parent, a sibling or a child):
 * what `claude-bottle diff --against` and the Changes view's "Compare with…" show. "Here" is the
 * bottle asked about (the left side), "there" the other one (the right side). Pure.
 */
import type { ChangeSource, EntryKind } from './changes';

export type CompareStatus = 'differs' | 'only-here' | 'only-there';

export interface ComparedFile {
  path: string;
  status: CompareStatus;
  /** Null on the side where the file does not exist. */
  hereKind: EntryKind | null;
  thereKind: EntryKind | null;
  hereSize: number | null;
  thereSize: number | null;
  /** Permission bits, null where absent. */
  hereMode: number | null;
  thereMode: number | null;
  hereTarget: string | null;
  thereTarget: string | null;
  binary: boolean;
  /** Each side's whole text, for the side-by-side view: null where absent, binary, a symlink or past the caps. */
  hereText: string | null;
  thereText: string | null;
  /** Unified diff here → there (cut after the inline line cap); null when there is no text diff. */
  diff: string | null;
  insertions: number;
  deletions: number;
  truncated: boolean;
  /** Why there is no diff, or only part of one, for a person. */
  note: string | null;
}

export interface BottleComparison {
  identity: string;
  against: string;
  /** Where each workspace was read: the running container, its exited container, or the snapshot its stop saved. */
  hereSource: ChangeSource;
  thereSource: ChangeSource;
  files: ComparedFile[];
  totals: { differs: number; onlyHere: number; onlyThere: number; insertions: number; deletions: number };
  computedAt: string;
  notes: string[];
}

/** Where a side was read, in words. */
export const COMPARE_SOURCES: Record<ChangeSource, string> = {
  container: 'the running bottle',
  'container-archive': 'its container',
  snapshot: 'the workspace saved when it stopped',
  folder: 'the project folder',
};
