/**
 * Which actions a bottle's state allows, decided once for every surface: the card's buttons, its
 * status area, the keyboard, `claude-bottle show` and the services' own preconditions. Pure.
 */
import type { BottleView } from './bottle-view';

export const BOTTLE_ACTIONS = [
  'open-terminal',
  'open-logs',
  'stop',
  'resume',
  'approve',
  'reject',
  'history',
  'changes',
  'checkpoint',
  'restore',
  'fork',
  'copy-resume-command',
  'dismiss-error',
  'remove',
] as const;
export type BottleAction = (typeof BOTTLE_ACTIONS)[number];

export interface ActionState {
  action: BottleAction;
  /** False while something passing blocks it (work in progress, Docker away); `reason` says what. */
  enabled: boolean;
  reason: string | null;
}

export interface ActionContext {
  /** False while the Docker engine does not answer: container actions wait for it. */
  engineAvailable: boolean;
}

/** True while a long operation runs on the bottle (a failed one, kept to show its error, is not). */
export function isBusy(view: BottleView): boolean {
  return view.activity !== null && view.activity.error === null;
}

/** The status a person reads: a pending request outranks the container's own state. */
export function displayStatus(view: BottleView): string {
  if (view.pendingRequest !== null) return 'awaiting-approval';
  if (view.status === 'exited' && view.exitCode !== null) return `exited (${view.exitCode})`;
  return view.status;
}

function relevant(view: BottleView, action: BottleAction): boolean {
  const { status } = view;
  switch (action) {
    case 'open-terminal':
      return status === 'running';
    case 'open-logs':
      // The engine keeps a container's output until the container is removed (stop removes it).
      return view.containerId !== null;
    case 'stop':
      return status === 'running' || status === 'starting' || (status === 'orphan' && view.containerId !== null);
    case 'resume':
      return status === 'exited' || status === 'ready-to-resume' || status === 'missing-container';
    case 'approve':
    case 'reject':
      return view.pendingRequest !== null;
    case 'history':
      return view.historyCount > 0;
    case 'changes':
      // What the agent changed: for any bottle with a project folder (a read, never waiting).
      return status !== 'corrupt' && status !== 'orphan' && view.cwd !== null && view.cwd !== '';
    case 'checkpoint':
      // Issue 24. Copy mode: a running bottle (paused for the copy), an exited one, or one stopped with
      // its workspace saved. Mount mode: the project folder against its baseline, in the same states.
      return (
        (view.copyCwd === true || (view.cwd !== null && view.cwd !== '')) &&
        (status === 'running' || status === 'exited' || status === 'ready-to-resume' || status === 'missing-container')
      );
    case 'restore':
      // Shown whenever the bottle could be stopped, allowed only once it is (see restoreBlocked); mount
      // mode too (its confirm says it writes the project folder).
      return (view.copyCwd === true || (view.cwd !== null && view.cwd !== '')) && status !== 'corrupt' && status !== 'orphan';
    case 'fork':
      // Wherever a checkpoint can be taken (issue 24): a mount-mode bottle forks into copy-mode bottles
      // whose workspace is its project folder as it was at the checkpoint.
      return relevant(view, 'checkpoint');
    case 'copy-resume-command':
      return status !== 'corrupt' && status !== 'orphan';
    case 'dismiss-error':
      return view.activity?.error != null;
    case 'remove':
      return true;
  }
}

/** Actions that talk to Docker, and so wait while it is away. */
const NEEDS_ENGINE: ReadonlySet<BottleAction> = new Set([
  'open-terminal',
  'open-logs',
  'stop',
  'resume',
  'approve',
  'checkpoint',
  'restore',
  'fork',
]);
/** Actions that change the bottle, and so wait for the work in progress to finish. */
const WAITS_FOR_WORK: ReadonlySet<BottleAction> = new Set([
  'stop',
  'resume',
  'approve',
  'reject',
  'remove',
  'checkpoint',
  'restore',
  'fork',
]);

/**
 * Why a restore must wait, or null: only a stopped bottle (no container) goes back to a
 * checkpoint, since a resume would save a container's state over the restored one.
 */
function restoreBlocked(view: BottleView): string | null {
  if (view.status === 'ready-to-resume' || view.status === 'missing-container') return null;
  return `stop it first: claude-bottle stop ${view.identity}`;
}

/** The actions that apply to this bottle now, in display order, each enabled or with why not. */
export function allowedActions(view: BottleView, context: ActionContext = { engineAvailable: true }): ActionState[] {
  const busy = isBusy(view);
  const states: ActionState[] = [];
  for (const action of BOTTLE_ACTIONS) {
    if (!relevant(view, action)) continue;
    let reason: string | null = null;
    if (busy && WAITS_FOR_WORK.has(action)) reason = `busy: ${view.activity?.kind ?? 'working'}`;
    else if (!context.engineAvailable && NEEDS_ENGINE.has(action)) reason = 'Docker is not running';
    else if (action === 'restore') reason = restoreBlocked(view);
    states.push({ action, enabled: reason === null, reason });
  }
  return states;
}

/** The state of one action: null when it does not apply to this bottle at all. */
export function actionState(view: BottleView, action: BottleAction, context?: ActionContext): ActionState | null {
  return allowedActions(view, context).find((state) => state.action === action) ?? null;
}
