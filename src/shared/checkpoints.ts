/**
 * Checkpoints of a bottle (issue 24): what the CLI, the core and (later) the UI agree on. Pure:
 * imported by every front end.
 */
import { escapeLine } from './escape-text';

/** Longest checkpoint name, in characters. */
export const MAX_CHECKPOINT_NAME_CHARS = 100;

/**
 * A checkpoint's id: `YYYYMMDD-HHMMSS-xxxxx` (UTC, then 5 random base36 characters), so ids sort
 * by time and each is a safe folder name. Anything else that arrives as an id is refused.
 */
export const CHECKPOINT_ID_PATTERN = /^\d{8}-\d{6}-[a-z0-9]{5}$/;

export function isCheckpointId(value: string): boolean {
  return CHECKPOINT_ID_PATTERN.test(value);
}

/**
 * Why a checkpoint name is refused, or null when it is fine: 1 to MAX_CHECKPOINT_NAME_CHARS
 * characters, none of them a control, bidi or invisible character (a name is shown in terminals
 * and on cards, and must read as what it is).
 */
export function checkpointNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a checkpoint name cannot be empty';
  if ([...name].length > MAX_CHECKPOINT_NAME_CHARS) return `a checkpoint name is at most ${MAX_CHECKPOINT_NAME_CHARS} characters`;
  if (escapeLine(name) !== name) return 'a checkpoint name cannot hold control, bidi or invisible characters';
  return null;
}

/** The git state of the workspace's repository when the checkpoint was taken. */
export interface CheckpointGit {
  /** The checked-out commit; null on an unborn branch. */
  head: string | null;
  /** The branch HEAD names; null when detached. */
  branch: string | null;
  /** `git status --porcelain` against HEAD: paths changed, added or untracked (at most MAX_GIT_STATUS_LINES). */
  status: string[];
  /** True when the status was longer than what is kept. */
  statusTruncated: boolean;
}

/** Status lines a manifest keeps; a checkpoint's workspace holds the whole truth anyway. */
export const MAX_GIT_STATUS_LINES = 1000;

/** One checkpoint as listed: the manifest of `<state>/<identity>/checkpoints/<id>/`. */
export interface CheckpointView {
  version: 1;
  id: string;
  identity: string;
  name: string | null;
  /** ISO-8601 UTC, when the copy was taken. */
  at: string;
  /** What the bottle was: running (paused for the copy), exited (its container copied), stopped (its saved snapshots copied). */
  source: 'running' | 'exited' | 'stopped';
  /** How long the container was paused for the copy, in milliseconds; null when it was not running. */
  pausedMs: number | null;
  /** The image the bottle ran: its reference (tag) and the engine's id of it. */
  image: { reference: string | null; id: string | null };
  /** Which Dockerfile was saved: the bottle's own (an approved capability-block) or the agent's. */
  dockerfile: 'own' | 'agent' | null;
  /** What the checkpoint holds. */
  saved: { workspace: boolean; transcript: boolean; dockerfile: boolean };
  /** Bytes on disk of each part, and of the whole checkpoint. */
  sizes: { workspace: number; transcript: number; total: number };
  /** Null when the workspace is not the top of a git repository of its own. */
  git: CheckpointGit | null;
  /**
   * Absent for a copy-mode bottle (and every checkpoint made before mount mode had them). 'mount':
   * workspace/ holds only the project folder's paths that differed from the bottle's baseline,
   * and `deleted` lists the baseline's paths that were gone.
   */
  mode?: 'mount';
  deleted?: string[];
}

/** A bottle's checkpoints, oldest first, and what they hold together against their budget. */
export interface CheckpointList {
  identity: string;
  checkpoints: CheckpointView[];
  totalBytes: number;
  budgetBytes: number;
}

/** What `restore` did: the checkpoint the bottle goes back to, and the one that keeps what it replaced. */
export interface CheckpointRestore {
  identity: string;
  restored: CheckpointView;
  /** The state the restore replaced, kept as a checkpoint named "before restore of …". */
  before: CheckpointView;
  /** kept: the checkpoint's image is the one the resume runs; gone: the engine no longer has it, the resume rebuilds. */
  image: 'kept' | 'gone';
}

/** A checkpoint as the timeline names it: its id, name and size. */
export function checkpointRef(view: CheckpointView): { id: string; name: string | null; size: number } {
  return { id: view.id, name: view.name, size: view.sizes.total };
}
