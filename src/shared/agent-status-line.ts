/**
 * How a bottle's agent report reads on every surface (issue 21): the card's status line, the row,
 * `ls` and `show` all word it here, so they never disagree. The report is the agent's text: it is
 * escaped to one line and cut. Pure.
 */
import { LONG_WAIT_MS, type AgentStatusView, type PermissionQuestion } from './agent-reports';
import type { BottleView } from './bottle-view';
import { escapeLine } from './escape-text';

/** The most characters a status line or a last message shows in a list; `show` and the panel show it all. */
export const STATUS_LINE_CHARS = 120;

type StatusFacts = Pick<BottleView, 'status' | 'agentStatus' | 'permissionPending'>;

/** Escaped to one line, then cut by code points (never half a surrogate pair), with "…" when cut. */
export function oneLine(text: string, max: number = STATUS_LINE_CHARS): string {
  const points = Array.from(escapeLine(text));
  return points.length <= max ? points.join('') : `${points.slice(0, max - 1).join('')}…`;
}

/** "Bash npm test", "Edit", or "" from a tool and its subject. */
function toolText(tool: string | null, detail: string | null): string {
  return [tool, detail].filter((part): part is string => part !== null && part !== '').join(' ');
}

/** The agent's states that are only true while its container runs (a stopped agent works on nothing). */
function liveOnly(status: AgentStatusView): boolean {
  return status.state === 'working' || status.state === 'permission' || status.state === 'waiting';
}

/**
 * The report that holds now: none before the agent reported, and none of working / permission /
 * waiting once the container is not running (those were true only while it ran).
 */
export function currentAgentStatus(view: StatusFacts): AgentStatusView | null {
  const status = view.agentStatus;
  if (status === null) return null;
  if (view.status !== 'running' && liveOnly(status)) return null;
  return status;
}

/** Whether the agent waits on the operator: a permission question, or it said it waits (its turn finished). */
export function agentWaits(view: StatusFacts): boolean {
  if (view.status !== 'running') return false;
  if (view.permissionPending.length > 0) return true;
  const state = currentAgentStatus(view)?.state;
  return state === 'permission' || state === 'waiting';
}

/** What a permission question asks, in words: "Bash npm test". */
export function permissionAsk(question: Pick<PermissionQuestion, 'tool' | 'detail'>): string {
  return oneLine(toolText(question.tool, question.detail));
}

/**
 * The status line: "working: Bash npm test", "needs permission: Bash npm test", "waiting for you",
 * "finished", "exited: <reason>"; null when there is nothing to say (no report, or a stale one).
 * A permission question the host holds outranks the report (it names what is asked).
 */
export function agentStatusLine(view: StatusFacts): string | null {
  const question = view.status === 'running' ? view.permissionPending[0] : undefined;
  if (question !== undefined) return oneLine(`needs permission: ${toolText(question.tool, question.detail)}`);
  const status = currentAgentStatus(view);
  if (status === null) return null;
  const subject = toolText(status.tool, status.detail);
  switch (status.state) {
    case 'working':
      return oneLine(subject === '' ? 'working' : `working: ${subject}`);
    case 'permission':
      return oneLine(subject === '' ? 'needs permission' : `needs permission: ${subject}`);
    case 'waiting':
      return 'waiting for you';
    case 'finished':
      return 'finished';
    case 'exited': {
      const reason = status.detail ?? status.lastMessage;
      return oneLine(reason === null || reason === '' ? 'exited' : `exited: ${reason}`);
    }
  }
}

/** The agent's last message to the operator, escaped to one line and cut; null when it gave none. */
export function agentLastMessage(view: Pick<BottleView, 'agentStatus'>, max: number = STATUS_LINE_CHARS): string | null {
  const message = view.agentStatus?.lastMessage ?? null;
  return message === null || message.trim() === '' ? null : oneLine(message, max);
}

/** Since when the agent has waited on the operator (ms since the epoch); null when it does not wait. */
export function waitingSince(view: StatusFacts): number | null {
  if (!agentWaits(view)) return null;
  const times: number[] = [];
  const status = currentAgentStatus(view);
  if (status !== null && (status.state === 'permission' || status.state === 'waiting')) times.push(Date.parse(status.since));
  // The question's time is the agent's clock: used only when no report of ours says since when.
  if (times.length === 0) for (const question of view.permissionPending) times.push(Date.parse(question.createdAt));
  const valid = times.filter((time) => Number.isFinite(time));
  return valid.length === 0 ? null : Math.min(...valid);
}

/** Whether the agent has waited on the operator longer than LONG_WAIT_MS at `now` (ms since the epoch). */
export function waitingLong(view: StatusFacts, now: number): boolean {
  const since = waitingSince(view);
  return since !== null && now - since >= LONG_WAIT_MS;
}
