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
      <button
        type="button"
        className="button button-primary button-small"
        title="Let this connection through, once"
        onClick={() => void answer(bottle.identity, request, 'once')}
      >
        Allow
      </button>
      <button
        type="button"
        className="button button-small"
        title="Allow it now, and from now on for this bottle (kept in its network.json)"
        onClick={() => void answer(bottle.identity, request, 'bottle')}
      >
        Always
      </button>
      <button type="button" className="button button-small button-quiet" onClick={() => void answer(bottle.identity, request, 'deny')}>
        Deny
      </button>
    </div>
  );
}
