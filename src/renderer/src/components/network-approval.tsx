import { useState, type JSX } from 'react';
import type { BottleView } from '../../../shared/bottle-view';
import { networkAnswers } from '../../../shared/network-answers';
import type { NetworkAnswer, NetworkRequest } from '../../../shared/network-policy';
import { networkAsk } from '../../../shared/request-notification';
import { exactTime, relativeTime } from '../lib/format';
import { answerForKey, keyName, NETWORK_ANSWER_TABLE } from '../lib/network-answers';
import { useUiStore } from '../stores/ui-store';
import { answerNetworkRequest, useEngineAvailable } from './network-request-area';
import { useApprovalKeys } from './use-approval-keys';

/** The most held requests listed with their own buttons; the rest wait their turn (the keys answer the oldest). */
const SHOWN = 20;

function HeldRequest({
  bottle,
  request,
  first,
  busy,
  onAnswer,
}: {
  bottle: BottleView;
  request: NetworkRequest;
  first: boolean;
  busy: boolean;
  onAnswer: (request: NetworkRequest, how: NetworkAnswer) => void;
}): JSX.Element {
  const now = useUiStore((state) => state.now);
  const engineAvailable = useEngineAvailable();
  const allowed = new Map(networkAnswers(bottle, request, { engineAvailable }).map((state) => [state.answer, state]));
  return (
    <li className="network-held" data-testid="network-held" data-first={first ? 'true' : undefined} data-request-id={request.id}>
      <p className="network-ask">
        {networkAsk(request)}{' '}
        <span className="muted">
          ({request.protocol === 'connect' ? 'tunnel' : 'http'}, held since{' '}
          <time title={exactTime(request.at)}>{relativeTime(request.at, now)}</time>)
        </span>
      </p>
      <div className="approval-actions">
        {NETWORK_ANSWER_TABLE.map(({ answer: how, label, tone, title, key }) => {
          const state = allowed.get(how);
          if (state === undefined) return null;
          return (
            <button
              key={how}
              type="button"
              className={`button button-small ${tone}`}
              title={state.reason ?? title}
              disabled={!state.enabled || busy}
              aria-keyshortcuts={first ? keyName(key) : undefined}
              onClick={() => onAnswer(request, how)}
            >
              {label}
              {first ? <kbd className="key-hint">{keyName(key)}</kbd> : null}
            </button>
          );
        })}
      </div>
    </li>
  );
}

/**
 * The bottle's held network connections in the approval panel, beside its Dockerfile request:
 * each one with every answer the bottle allows; the keys answer the oldest. When the last one is
 * answered and nothing else waits, the panel closes.
 */
export function NetworkApproval({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const closePanel = useUiStore((state) => state.closePanel);
  const [busy, setBusy] = useState(false);
  const held = bottle.networkPending;
  const engineAvailable = useEngineAvailable();

  const answer = async (request: NetworkRequest, how: NetworkAnswer): Promise<void> => {
    // Asks src/shared again: a key must not give an answer the buttons would not offer.
    const state = networkAnswers(bottle, request, { engineAvailable }).find((entry) => entry.answer === how);
    if (busy || state?.enabled !== true) return;
    setBusy(true);
    const ok = await answerNetworkRequest(bottle.identity, request, how);
    setBusy(false);
    if (ok && bottle.pendingRequest === null && held.length === 1) closePanel();
  };
  // o, b, Shift+A, d (NETWORK_ANSWER_TABLE) answer the oldest held request.
  useApprovalKeys((key) => {
    const how = answerForKey(key);
    const oldest = held[0];
    if (how === null || oldest === undefined) return false;
    void answer(oldest, how);
    return true;
  });

  if (held.length === 0) return null;
  return (
    <section className="network-approval" data-testid="network-approval" aria-labelledby="network-approval-title">
      <h3 id="network-approval-title">{held.length > 1 ? `${held.length} network requests` : 'Network request'}</h3>
      <p className="muted">
        The agent waits on {held.length > 1 ? 'these connections' : 'this connection'}; it goes on or fails without a restart. Keys answer
        the first.
      </p>
      <ul className="network-held-list">
        {held.slice(0, SHOWN).map((request, index) => (
          <HeldRequest
            key={request.id}
            bottle={bottle}
            request={request}
            first={index === 0}
            busy={busy}
            onAnswer={(target, how) => void answer(target, how)}
          />
        ))}
      </ul>
      {held.length > SHOWN ? <p className="muted">…and {held.length - SHOWN} more, answered after these.</p> : null}
    </section>
  );
}
