/**
 * Which attention state a bottle shows, decided once for every view: the card's status area, its
 * row in the compact list, and the card's badges for what the area leaves out. Most urgent first;
 * each view words the state its own way, but none ranks them differently. Pure.
 */
import { agentWaits } from './agent-status-line';
import type { ActivityKind, BottleView } from './bottle-view';

export const ATTENTION_STATES = [
  'failed',
  'activity',
  'stopped',
  'pending',
  'waiting',
  'corrupt',
  'orphan',
  'ready',
  'early-exit',
  'warning',
  'hint',
] as const;
export type AttentionState = (typeof ATTENTION_STATES)[number];

/** What each long operation is called while it runs (and, with "failed", when it did not finish). */
const ACTIVITY_LABELS: Record<ActivityKind, string> = {
  starting: 'Starting',
  building: 'Building image',
  approving: 'Approving: building the new image',
  resuming: 'Resuming',
  stopping: 'Stopping',
  removing: 'Removing',
  rejecting: 'Rejecting',
  applying: 'Applying changes',
  discarding: 'Discarding a change',
  exporting: 'Exporting changes',
  checkpointing: 'Taking a checkpoint',
  'dropping-checkpoint': 'Dropping a checkpoint',
  restoring: 'Going back to a checkpoint',
  forking: 'Forking',
};

/** The activity's name; a kind this build does not know (a newer core) shows as it is. */
export function activityLabel(kind: string): string {
  return (ACTIVITY_LABELS as Record<string, string | undefined>)[kind] ?? kind;
}

/**
 * Whether the bottle has a request waiting on the operator's answer: a Dockerfile request, a held
 * network connection (issue 19), or a permission question its agent asks (issue 21).
 */
export function waitsForOperator(view: Pick<BottleView, 'pendingRequest' | 'networkPending' | 'permissionPending'>): boolean {
  return view.pendingRequest !== null || view.networkPending.length > 0 || view.permissionPending.length > 0;
}

/**
 * The state that wins. Work in progress (or its failure) comes first: while an approval builds,
 * the bottle is "Approving", not still "Approval needed". A stop claude-bottle made itself comes
 * before anything the agent may still be asking, since the agent cannot go on until it is resolved.
 * A request to answer comes before an agent that only waits for its next instruction.
 */
export function attentionState(view: BottleView): AttentionState {
  if (view.activity !== null) return view.activity.error !== null ? 'failed' : 'activity';
  if (view.stopReason !== null) return 'stopped';
  if (waitsForOperator(view)) return 'pending';
  // The agent said it waits for the operator (its turn finished, or a question in its terminal).
  if (agentWaits(view)) return 'waiting';
  if (view.status === 'corrupt') return 'corrupt';
  if (view.status === 'orphan') return 'orphan';
  if (view.status === 'ready-to-resume') return 'ready';
  if (view.status === 'exited' && view.earlyExit !== null) return 'early-exit';
  if (view.warnings.length > 0) return 'warning';
  return 'hint';
}
