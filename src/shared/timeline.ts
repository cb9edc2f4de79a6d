import { formatBytes } from './format-bytes';

/**
 * One bottle's timeline (issue 24 item 4): every event, in order, from `<state>/<id>/timeline.jsonl`
 * merged with the decisions journal. Shared by the core, the CLI and the Timeline tab.
 */

export const TIMELINE_KINDS = [
  'start',
  'stop',
  'resume',
  'exit',
  'request',
  'decision',
  'build',
  'checkpoint',
  'restore',
  'fork',
  'forked-from',
  'apply',
  'export',
  'turn',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const TIMELINE_REQUEST_TYPES = ['dockerfile', 'network', 'permission'] as const;
export type TimelineRequestType = (typeof TIMELINE_REQUEST_TYPES)[number];

export const TIMELINE_DECISIONS = ['approved', 'rejected', 'build-failed', 'invalid-request', 'allowed', 'denied', 'withdrawn'] as const;
export type TimelineDecision = (typeof TIMELINE_DECISIONS)[number];

/** Why a bottle stopped: the operator, an approval (its image rebuilt), or its disk budget. */
export const TIMELINE_STOP_REASONS = ['operator', 'approval', 'disk budget'] as const;

/**
 * One event. `v`, `at`, `kind` and `by` always; the rest as the kind has them. Every text field is
 * escaped and capped when written, and none ever holds an env value, a token or a file's content.
 */
export interface TimelineEvent {
  v: 1;
  at: string;
  kind: TimelineKind;
  /** Who did it: the operator's name, `cli`, `rule`, `agent`, `claude-bottle`. */
  by: string;
  /** stop: operator / approval / disk budget; exit: the reason in the operator's words; request: the agent's reason; decision: the message. */
  reason?: string | undefined;
  /** exit: the container's exit code. */
  code?: number | null | undefined;
  request?: { type: TimelineRequestType; id: string } | undefined;
  decision?: TimelineDecision | undefined;
  /** network request/decision: where to. */
  host?: string | undefined;
  /** permission request: the tool asked for. */
  tool?: string | undefined;
  /** build: built or failed. */
  outcome?: 'built' | 'failed' | undefined;
  imageId?: string | null | undefined;
  /** checkpoint, restore, fork, forked-from: the checkpoint it is about. */
  checkpoint?: { id: string; name: string | null; size: number } | undefined;
  /** fork (the parent's side): the new bottles. */
  identities?: string[] | undefined;
  /** forked-from (the child's side): the parent. */
  from?: string | undefined;
  /** apply: files written (and deleted); export: what it made (a branch name or a patch file). */
  count?: number | undefined;
  target?: string | undefined;
  /** turn: the agent's state, the instruction when known, the last message when it waits or finishes. */
  state?: string | undefined;
  instruction?: string | undefined;
  lastMessage?: string | undefined;
  /** A Dockerfile decision's diff (from the journal; never written to timeline.jsonl). */
  diff?: string | undefined;
}

/** What a caller gives appendTimeline: `v` and `at` are filled in. */
export type TimelineInput = Omit<TimelineEvent, 'v' | 'at' | 'diff'> & { at?: string };

/** One line of what an event is, for the CLI's table and the Timeline tab (raw: the caller escapes). */
export function timelineWhat(event: TimelineEvent): string {
  const request = event.request === undefined ? '' : `${event.request.type} ${event.request.id}`;
  const parts: (string | undefined | null)[] = [];
  switch (event.kind) {
    case 'start':
    case 'resume':
      parts.push(event.reason);
      break;
    case 'stop':
      parts.push(event.reason === undefined ? undefined : `by ${event.reason}`);
      break;
    case 'exit':
      parts.push(event.code === undefined || event.code === null ? 'exited' : `exit code ${event.code}`, event.reason);
      break;
    case 'request':
      parts.push(request, event.host, event.tool, event.reason);
      break;
    case 'decision':
      parts.push(event.decision, request, event.host, event.reason);
      break;
    case 'build':
      parts.push(event.outcome, event.imageId?.slice(0, 19));
      break;
    case 'checkpoint':
    case 'restore':
      parts.push(checkpointText(event));
      break;
    case 'fork':
      parts.push(`${event.identities?.length ?? 0} fork(s): ${(event.identities ?? []).join(', ')}`, checkpointText(event));
      break;
    case 'forked-from':
      parts.push(event.from, checkpointText(event));
      break;
    case 'apply':
      parts.push(`${event.count ?? 0} file(s)`);
      break;
    case 'export':
      parts.push(event.target);
      break;
    case 'turn':
      parts.push(event.state, event.instruction, event.lastMessage);
      break;
  }
  return parts.filter((part): part is string => part !== undefined && part !== null && part !== '').join(': ');
}

function checkpointText(event: TimelineEvent): string | undefined {
  const checkpoint = event.checkpoint;
  if (checkpoint === undefined) return undefined;
  return `${checkpoint.id}${checkpoint.name === null ? '' : ` "${checkpoint.name}"`} (${formatBytes(checkpoint.size)})`;
}
