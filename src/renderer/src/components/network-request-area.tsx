import type { JSX } from 'react';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeLine } from '../../../shared/escape-text';
import type { NetworkAnswer, NetworkRequest } from '../../../shared/network-policy';
import { invoke } from '../api/api';
import { runAction } from '../lib/bottle-actions';

/** Where a held connection wants to go: "example.com:443", escaped to one line. */
export function networkTarget(request: NetworkRequest): string {
  return `${escapeLine(request.host)}:${request.port}`;
}

/** What a held connection asks, in words: "wants to reach example.com:443". */
export function networkAsk(request: NetworkRequest): string {
  return `wants to reach ${networkTarget(request)}`;
}

/** The label of a bottle's held network requests, on its card and its row alike. */
export function networkLabel(count: number): string {
  return count > 1 ? `${count} network requests` : 'Network request';
}

function answer(identity: string, request: NetworkRequest, how: NetworkAnswer): Promise<boolean> {
  return runAction(`Answer ${identity}'s request for ${request.host}:${request.port}`, () =>
    invoke('network:answer', { identity, requestId: request.id, answer: how }),
  );
}

/** The card's answers, in the order an operator reads them. */
const ANSWERS: ReadonlyArray<{ answer: NetworkAnswer; label: string; tone: string; title: string }> = [
  { answer: 'once', label: 'Allow', tone: 'button-primary', title: 'Let this connection through, once' },
  { answer: 'bottle', label: 'Always', tone: '', title: 'Allow it now, and from now on for this bottle (kept in its network.json)' },
  { answer: 'deny', label: 'Deny', tone: 'button-quiet', title: 'Refuse it: the agent is told why' },
];

/**
 * A bottle whose agent waits on a held connection (the gateway's `ask` mode): the oldest one, and
 * the answers that release or refuse it without restarting anything.
 */
export function NetworkRequestArea({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const request = bottle.networkPending[0];
  if (request === undefined) return null;
  return (
    <div className="status-area attention" data-testid="network-request" data-attention="pending">
      {/* Short, so the destination keeps its room on the card's one line. */}
      <span className="attention-label" title={networkLabel(bottle.networkPending.length)}>
        {bottle.networkPending.length > 1 ? `Network (${bottle.networkPending.length})` : 'Network'}
      </span>
      <span className="attention-text" title={`${networkAsk(request)} (${request.protocol})`}>
        {networkTarget(request)}
      </span>
      {ANSWERS.map(({ answer: how, label, tone, title }) => (
        <button
          key={how}
          type="button"
          className={`button button-small ${tone}`}
          title={title}
          onClick={() => void answer(bottle.identity, request, how)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
