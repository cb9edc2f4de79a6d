import type { BottleView } from '../../shared/bottle-view';
import type { ContainerInfo } from '../engine/engine-container';

/** What a bottle's view reads of its container: enough to say its state, agent, image and id. */
export type ContainerFacts = Pick<ContainerInfo, 'Id' | 'Image' | 'Labels' | 'State' | 'Status'>;

/** One engine event about one of our containers, as the event stream carries it. */
export interface ContainerEvent {
  /** The container's id. */
  id: string;
  /** `die`, `start`, `kill`, `exec_start: sh -c …`, … */
  action: string;
  /** The container's labels, beside the engine's own `image`, `name` and (on `die`) `exitCode`. */
  attributes: Record<string, string>;
}

/** The state each of these actions leaves the container in. */
const STATE_AFTER: Readonly<Record<string, string>> = {
  create: 'created',
  start: 'running',
  restart: 'running',
  unpause: 'running',
  pause: 'paused',
  die: 'exited',
};

/** Actions that leave the container's state as it was (a `die` follows a kill or an oom that ends it). */
const SAME_STATE = new Set([
  'kill',
  'oom',
  'attach',
  'detach',
  'resize',
  'top',
  'rename',
  'update',
  'export',
  'commit',
  'copy',
  'archive-path',
  'extract-to-dir',
  'health_status',
  'exec_create',
  'exec_start',
  'exec_die',
  'exec_detach',
]);

/** An action's verb: `exec_start: sh -c …` and `health_status: healthy` carry more after a colon. */
function verbOf(action: string): string {
  return (action.split(':')[0] ?? '').trim();
}

/**
 * Events of the same bottle that land before its view is read again, as one: an action that sets
 * the state replaces what came before, one that keeps the state keeps the earlier setter. 'full'
 * when only the engine can tell (another container, or an action not known here).
 */
export function mergeContainerEvents(
  earlier: ContainerEvent | 'full' | undefined,
  later: ContainerEvent | 'full',
): ContainerEvent | 'full' {
  if (earlier === undefined) return later;
  if (earlier === 'full' || later === 'full' || earlier.id !== later.id) return 'full';
  return SAME_STATE.has(verbOf(later.action)) ? earlier : later;
}

/** A kept view's container state, as the engine names it; null when the view shows none. */
function keptState(kept: BottleView): string | null {
  if (kept.status === 'running') return 'running';
  if (kept.status === 'exited') return 'exited';
  if (kept.status === 'starting') return 'created';
  return null;
}

/**
 * The container as the event leaves it, when the event tells everything a view needs: an action
 * that sets the state, or one that keeps it, of the very container the kept view shows. Null when
 * only the engine can tell (the bottle's other or new container, a container gone, an action not
 * known here): the view is then read from the engine. Reading it from the engine right after an
 * event costs much more: its listing lags behind its events, and an inspect waits while the
 * engine is still killing the container.
 */
export function containerAfterEvent(event: ContainerEvent, kept: BottleView | undefined): ContainerFacts | null {
  if (kept === undefined || kept.containerId !== event.id) return null;
  const verb = verbOf(event.action);
  const state = STATE_AFTER[verb] ?? (SAME_STATE.has(verb) ? keptState(kept) : null);
  if (state === null) return null;
  let exitCode = kept.exitCode;
  if (verb === 'die') {
    const raw = event.attributes.exitCode;
    exitCode = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : null;
    if (exitCode === null) return null;
  }
  if (state === 'exited' && exitCode === null) return null;
  return {
    Id: event.id,
    Image: kept.image ?? event.attributes.image ?? '',
    Labels: event.attributes,
    State: state,
    Status: state === 'exited' ? `Exited (${String(exitCode)})` : state === 'running' ? 'Up' : state,
  };
}
