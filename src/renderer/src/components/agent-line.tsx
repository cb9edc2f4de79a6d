import type { JSX } from 'react';
import { agentLastMessage, agentStatusLine, currentAgentStatus, waitingLong, waitingSince } from '../../../shared/agent-status-line';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeControl, escapeLine } from '../../../shared/escape-text';
import { duration } from '../lib/format';
import { useUiStore } from '../stores/ui-store';

/**
 * "waiting 7 min" once the agent has waited on the operator longer than LONG_WAIT_MS (the shared
 * rule says when), on the card and the row alike; nothing before.
 */
export function LongWaitMark({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const now = useUiStore((state) => state.now);
  const since = waitingSince(bottle);
  if (since === null || !waitingLong(bottle, now)) return null;
  return (
    <span className="long-wait" title={`Waiting on you since ${new Date(since).toLocaleString()}`} data-testid="long-wait">
      waiting {duration(now - since)}
    </span>
  );
}

/**
 * The card's line for what its agent does (issue 21), worded by the shared status line: "working:
 * Bash npm test", "needs permission: …", "waiting for you", "finished", "exited: …"; then its last
 * message, or else the task it was started with. All of it the agent's (or the operator's) text,
 * escaped and cut to one line; the whole message in the tooltip.
 */
export function AgentLine({ bottle }: { bottle: BottleView }): JSX.Element {
  const line = agentStatusLine(bottle);
  const message = agentLastMessage(bottle);
  // For the colour and the tests only: the words are the shared line's.
  const asking = bottle.status === 'running' && bottle.permissionPending.length > 0;
  const state = line === null ? 'none' : asking ? 'permission' : (currentAgentStatus(bottle)?.state ?? 'none');
  const task = bottle.task;
  return (
    <p className="card-agent-line" data-testid="agent-line" data-state={state}>
      {line !== null ? (
        <span className={`agent-state agent-state-${state}`} data-testid="agent-state">
          {line}
        </span>
      ) : null}
      <LongWaitMark bottle={bottle} />
      {message !== null ? (
        <span className="agent-message" title={escapeControl(bottle.agentStatus?.lastMessage ?? '')} data-testid="agent-message">
          {message}
        </span>
      ) : task !== null ? (
        <span className="agent-message agent-task" title={escapeControl(task)} data-testid="agent-task">
          {/* One line: the operator's own line breaks read as spaces here (the tooltip keeps them). */}
          Task: {escapeLine(task.replace(/\s+/g, ' '))}
        </span>
      ) : bottle.status === 'running' && bottle.agentStatus === null ? (
        <span className="agent-message">No report from the agent yet.</span>
      ) : null}
    </p>
  );
}
