/**
 * Which answers a bottle's held network request allows, decided once for every surface (the
 * card's network area, the approval panel and its keys), as allowed-actions.ts does for the
 * bottle's own actions. Pure.
 */
import type { ActionContext } from './allowed-actions';
import type { BottleView } from './bottle-view';
import { NETWORK_ANSWERS, type NetworkAnswer, type NetworkRequest } from './network-policy';

export interface NetworkAnswerState {
  answer: NetworkAnswer;
  /** False while something blocks it (Docker away); `reason` says what. */
  enabled: boolean;
  reason: string | null;
}

/**
 * The answers that apply to this held request now, in the order an operator reads them: none once
 * it is no longer held. "For this agent" needs the agent's name (a bottle whose metadata cannot be
 * read has none). Every answer reaches the gateway, which runs on the engine: none while it is away.
 */
export function networkAnswers(
  view: BottleView,
  request: NetworkRequest,
  context: ActionContext = { engineAvailable: true },
): NetworkAnswerState[] {
  if (!view.networkPending.some((held) => held.id === request.id)) return [];
  const reason = context.engineAvailable ? null : 'Docker is not running';
  return NETWORK_ANSWERS.filter((answer) => answer !== 'agent' || view.agentName !== null).map((answer) => ({
    answer,
    enabled: reason === null,
    reason,
  }));
}

/** The state of one answer: null when it does not apply to this request at all. */
export function networkAnswerState(
  view: BottleView,
  request: NetworkRequest,
  answer: NetworkAnswer,
  context?: ActionContext,
): NetworkAnswerState | null {
  return networkAnswers(view, request, context).find((state) => state.answer === answer) ?? null;
}
