/**
 * What an agent changed in its bottle's workspace, and what applying or exporting it did: the
 * types every surface shows (`claude-bottle diff/apply/export`, the Changes view). Pure.
 */

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'mode-changed';
export type EntryKind = 'file' | 'symlink';

/** Where the agent's side of the comparison was read. */
export type ChangeSource = 'container' | 'container-archive' | 'snapshot' | 'folder';

export interface FileChange {
  path: string;
  /** The path at the start, for a rename; null otherwise. */
  oldPath: string | null;
  status: ChangeStatus;
  /** Null when deleted. */
  kind: EntryKind | null;
  /** Null when added. */
  oldKind: EntryKind | null;
  /** Permission bits (e.g. 0o644); null on the side where the file does not exist. */
  mode: number | null;
  oldMode: number | null;
  size: number | null;
  oldSize: number | null;
  /** Git's blob id of each side's content, where known. */
  oid: string | null;
  oldOid: string | null;
  /** Either side holds binary data (a NUL byte in its first 8,000 bytes, as git decides). */
  binary: boolean;
  linkTarget: string | null;
  oldLinkTarget: string | null;
  insertions: number;
  deletions: number;
  /** Unified diff of a text file; null for binary files, symlinks and mode-only changes. */
  diff: string | null;
  /** The diff shown is cut short: the whole one comes from `changes:file`. */
  truncated: boolean;
  /** Why the diff is missing or partial, for a person. */
  note: string | null;
  /** The host folder already holds exactly this version (an earlier apply wrote it, or the operator resolved it). */
  applied: boolean;
  /**
   * Copy mode: the project folder's file changed too since the start (or since apply last wrote
   * it), so applying would leave it as a conflict: the operator resolves it in the merge view.
   */
  conflict: boolean;
}

export interface BaselineSummary {
  kind: 'git' | 'manifest';
  /** The commit the agent started from (git baselines). */
  head: string | null;
  branch: string | null;
  takenAt: string;
  files: number;
}

export interface ChangeTotals {
  added: number;
  modified: number;
  deleted: number;
  renamed: number;
  modeChanged: number;
  insertions: number;
  deletions: number;
}

/**
 * Which changes a set holds: every change since the bottle started, or (copy mode) only those new
 * since the last apply: content other than what apply wrote there, diffed against that version.
 */
export const CHANGE_SINCE = ['start', 'apply'] as const;
export type ChangeSince = (typeof CHANGE_SINCE)[number];

export interface ChangeSet {
  identity: string;
  since: ChangeSince;
  /** How many files each choice lists (the same before any apply). */
  sinceCounts: Record<ChangeSince, number>;
  mode: 'copy' | 'mount';
  source: ChangeSource;
  baseline: BaselineSummary;
  files: FileChange[];
  totals: ChangeTotals;
  /** Bumps whenever the set of changes differs from the last one this process computed. */
  revision: number;
  computedAt: string;
  notes: string[];
  /**
   * What the operator must look at before running git in the project folder (mount mode): a
   * repository the agent added as a submodule, or a nested `.git` it made or rewrote. `.git`
   * paths are never among the files, so this is where they show.
   */
  warnings: string[];
  lastApply: { at: string; written: number; conflicts: number } | null;
}

/** One file in full, on demand: its whole diff, or its whole content on the agent's side. */
export interface FileDetail {
  path: string;
  view: 'diff' | 'content';
  text: string | null;
  binary: boolean;
  size: number;
  truncated: boolean;
  note: string | null;
}

export type ApplyAction = 'write' | 'delete' | 'chmod' | 'symlink' | 'conflict' | 'unchanged' | 'skipped';

export interface ApplyOutcome {
  path: string;
  action: ApplyAction;
  /** Why: for conflicts and skips, what the operator should know. */
  detail: string | null;
  /** Where the agent's version went beside a conflicting file (relative), if it was written. */
  sidecar: string | null;
}

export interface ApplyCounts {
  written: number;
  deleted: number;
  conflicts: number;
  unchanged: number;
  skipped: number;
}

export interface ApplyResult {
  identity: string;
  /** The project folder applied to. */
  project: string;
  dryRun: boolean;
  outcomes: ApplyOutcome[];
  counts: ApplyCounts;
}

export interface ExportResult {
  identity: string;
  branch: string | null;
  patchFile: string | null;
  /** The commit the branch points at (or the patch ends at). */
  tip: string | null;
  /** The commit the agent started from. */
  base: string | null;
  /** Commits on top of the base: the agent's own, plus one for its uncommitted changes. */
  commits: number;
  uncommitted: boolean;
  /** Where the bottle's connection log went (JSON Lines): the file beside the patch, or the notes ref on the branch's tip; null: none on record. */
  networkLog: string | null;
  notes: string[];
}

/** Copy mode: what applying now would still bring into the project folder, and what conflicts (lost if the bottle is removed). */
export interface UnappliedWork {
  /** Files applying would write, delete or re-mode. */
  pending: string[];
  /** Files the operator changed too: applying leaves them for a merge by hand. */
  conflicts: string[];
}

function someFiles(paths: string[], what: string): string {
  const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? `, +${paths.length - 3} more` : '');
  return `${paths.length} ${paths.length === 1 ? 'file' : 'files'} ${what} (${shown})`;
}

/** One phrase naming the work a remove would lose: "1 file changed and not applied (a.txt), 1 file in conflict (b.txt)". */
export function describeUnapplied(work: UnappliedWork): string {
  const parts: string[] = [];
  if (work.pending.length > 0) parts.push(someFiles(work.pending, 'changed and not applied'));
  if (work.conflicts.length > 0) parts.push(someFiles(work.conflicts, 'in conflict'));
  return parts.join(', ');
}

/** A diff longer than this many lines is cut short in a change set; the whole one is on demand. */
export const INLINE_DIFF_MAX_LINES = 1500;
/** Files larger than this are compared and applied, but not diffed line by line inline. */
export const INLINE_DIFF_MAX_BYTES = 512 * 1024;
/** On demand (`changes:file`), text up to this size is returned whole. */
export const FULL_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** How many paths one per-file apply may name. */
export const MAX_SELECTED_PATHS = 1000;

/** The name written beside a conflicting file for the agent's version. */
export function sidecarName(path: string, identity: string): string {
  return `${path}.bottle-${identity}`;
}

export function emptyTotals(): ChangeTotals {
  return { added: 0, modified: 0, deleted: 0, renamed: 0, modeChanged: 0, insertions: 0, deletions: 0 };
}

/** What a per-file Discard did in the bottle's workspace (copy mode). */
export interface DiscardResult {
  identity: string;
  /** The change discarded (its current path). */
  path: string;
  /** Paths put back to their start-of-run content. */
  restored: string[];
  /** Paths the agent added, removed again. */
  removed: string[];
}

/** A side of a merge larger than this is not merged line by line: Take yours / Take the agent's only. */
export const MERGE_TEXT_MAX_BYTES = 256 * 1024;
/** The longest merge result the view may save (it travels whole over IPC and the browser-mode socket). */
export const MERGE_RESULT_MAX_CHARS = 320 * 1024;

/** One version of a file in a merge: its kind, and its text when it is text small enough to merge. */
export interface MergeSide {
  kind: 'file' | 'absent' | 'symlink' | 'other';
  /** Null when absent, not a file, binary or larger than MERGE_TEXT_MAX_BYTES. */
  text: string | null;
  size: number;
  /** Git's blob id of its content (files), the token a save names to say which version it merged. */
  oid: string | null;
  binary: boolean;
}

/** The three versions of a file in conflict (copy mode), and a merge of them to start from. */
export interface MergeVersions {
  identity: string;
  path: string;
  /** The start-of-run version. */
  base: MergeSide;
  /** The project folder's version now: the operator's. */
  host: MergeSide;
  /** The agent's version in its workspace. */
  agent: MergeSide;
  /** A line-based three-way merge with conflict markers; null when not all three are text (then take one side). */
  merged: string | null;
  /** How many places of `merged` hold conflict markers. */
  conflicts: number;
  /** Why there is no line merge, for a person; null when there is one. */
  note: string | null;
  /** Our copy of the agent's version beside the file (an earlier apply's), which a save removes. */
  sidecar: string | null;
}

/** What the merge view saves: one side whole, or the edited result. */
export type MergeTake = 'host' | 'agent' | 'result';

export interface ResolveRequest {
  path: string;
  take: MergeTake;
  /** The edited result (take 'result' only). */
  text?: string;
  /** The project folder's version the merge was made from: a save over any other is refused. */
  hostOid: string;
  /** The agent's version the merge was made from. */
  agentOid: string;
}

/** What a save of the merge view did in the project folder. */
export interface ResolveResult {
  identity: string;
  path: string;
  take: MergeTake;
  /** The project file was rewritten (false when the operator kept their own version). */
  wrote: boolean;
  /** The sidecar removed, if one of ours was there. */
  sidecarRemoved: string | null;
  /** Something the operator should know (a sidecar left because it is not ours). */
  note: string | null;
}
