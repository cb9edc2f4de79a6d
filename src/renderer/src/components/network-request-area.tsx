import type { JSX } from 'react';
import type { BottleView } from '../../../shared/bottle-view';
import { networkAnswers } from '../../../shared/network-answers';
import type { NetworkAnswer, NetworkRequest } from '../../../shared/network-policy';
import { networkAsk, networkTarget } from '../../../shared/request-notification';
import { invoke } from '../api/api';
import { runAction } from '../lib/bottle-actions';
import { NETWORK_ANSWER_TABLE } from '../lib/network-answers';
import { useEngineStore } from '../stores/engine-store';
import { RequestAreaShell } from './request-area-shell';

// Made in src/shared for every surface (notifications too); kept importable from here.
export { networkAsk, networkTarget };

/** The label of a bottle's held network requests, on its card and its row alike. */
export function networkLabel(count: number): string {
  return count > 1 ? `${count} network requests` : 'Network request';
}

/** Sends the operator's answer; resolves true when the gateway took it (a failure is shown as a notice). */
export function answerNetworkRequest(identity: string, request: NetworkRequest, how: NetworkAnswer): Promise<boolean> {
  return runAction(`Answer ${identity}'s request for ${networkTarget(request)}`, () =>
    invoke('network:answer', { identity, requestId: request.id, answer: how }),
  );
}

/** Whether the engine answers: every network answer goes to the gateway, which runs there. */
export function useEngineAvailable(): boolean {
  return useEngineStore((state) => state.status?.state !== 'unavailable');
}

/**
 * A bottle whose agent waits on a held connection (the gateway's `ask` mode): the oldest one, the
 * answers that fit on the card's line, and More for the approval panel (every held request, every answer).
 */
export function NetworkRequestArea({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const engineAvailable = useEngineAvailable();
  const request = bottle.networkPending[0];
  if (request === undefined) return null;
  const allowed = new Map(networkAnswers(bottle, request, { engineAvailable }).map((state) => [state.answer, state]));
  const count = bottle.networkPending.length;
  return (
    <RequestAreaShell
      identity={bottle.identity}
      testId="network-request"
      requestId={request.id}
      label={count > 1 ? `Network (${count})` : 'Network'}
      labelTitle={networkLabel(count)}
      subject={networkTarget(request)}
      subjectTitle={`${networkAsk(request)} (${request.protocol})`}
      moreTitle="Every held request and every answer (allow for this agent too), with keys"
    >
      {NETWORK_ANSWER_TABLE.map(({ answer: how, short, tone, title }) => {
        const state = allowed.get(how);
        if (short === null || state === undefined) return null;
        return (
          <button
            key={how}
            type="button"
            className={`button button-small ${tone}`}
            title={state.reason ?? title}
            disabled={!state.enabled}
            onClick={() => void answerNetworkRequest(bottle.identity, request, how)}
          >
            {short}
          </button>
        );
      })}
    </RequestAreaShell>
  );
}
