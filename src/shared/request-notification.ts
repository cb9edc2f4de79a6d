/**
 * The system notification raised when a request starts waiting for the operator, made once for
 * both notifiers (the desktop app's main process and the browser page). The reason is the agent's
 * text: it is escaped as on every other surface, so an escape sequence or a bidi override reads as
 * what it is, and cut short so a notification stays a notification. Pure.
 */
import type { PermissionQuestion } from './agent-reports';
import { escapeLine } from './escape-text';
import type { NetworkRequest } from './network-policy';

/** The most characters of the reason a notification shows; the approval panel shows it all. */
export const NOTIFICATION_BODY_CHARS = 200;

export interface RequestNotification {
  title: string;
  body: string;
}

export function requestNotification(identity: string, request: { reason: string }): RequestNotification {
  // Cut by code points after escaping: never half an escape's surrogate pair, never raw text.
  const body = Array.from(escapeLine(request.reason)).slice(0, NOTIFICATION_BODY_CHARS).join('');
  return { title: `${escapeLine(identity)} needs approval`, body };
}

/** Where a held connection wants to go: "example.com:443", escaped to one line (the host is the agent's text). */
export function networkTarget(request: Pick<NetworkRequest, 'host' | 'port'>): string {
  return `${escapeLine(request.host)}:${request.port}`;
}

/** What a held connection asks, in words: "wants to reach example.com:443". */
export function networkAsk(request: Pick<NetworkRequest, 'host' | 'port'>): string {
  return `wants to reach ${networkTarget(request)}`;
}

/**
 * One notification for the held connections a bottle opened at once ("dev-abcde wants to reach
 * example.com:443", "… and 3 more"): an agent that opens a hundred connections raises one
 * notification, not a hundred. `held` is oldest first and not empty.
 */
export function networkNotification(identity: string, held: readonly Pick<NetworkRequest, 'host' | 'port'>[]): RequestNotification {
  const first = held[0] ?? { host: '?', port: 0 };
  const more = held.length > 1 ? ` and ${held.length - 1} more` : '';
  const title = Array.from(`${escapeLine(identity)} ${networkAsk(first)}${more}`)
    .slice(0, NOTIFICATION_BODY_CHARS)
    .join('');
  return { title, body: 'Held until you answer: allow once, for this bottle, for this agent, or deny.' };
}

/**
 * The permission questions its agent asked at once (issue 21): "dev-abcde asks to run Bash: npm
 * test", "… and 19 more", the agent's reason (where it gave one) as the body of a lone question.
 * One notification, however many: an agent asking twenty at once raises one, as connections do.
 * Tool, subject and reason are the agent's text. `questions` is oldest first and not empty.
 */
export function permissionNotification(
  identity: string,
  questions: readonly Pick<PermissionQuestion, 'tool' | 'detail' | 'reason'>[],
): RequestNotification {
  const question = questions[0] ?? { tool: '?', detail: null, reason: null };
  const subject = question.detail === null || question.detail === '' ? '' : `: ${question.detail}`;
  const more = questions.length > 1 ? ` and ${questions.length - 1} more` : '';
  const cut = (text: string): string => Array.from(escapeLine(text)).slice(0, NOTIFICATION_BODY_CHARS).join('');
  return {
    // The count after the cut: a long subject never hides how many wait.
    title: `${cut(`${identity} asks to run ${question.tool}${subject}`)}${more}`,
    body:
      question.reason === null || questions.length > 1 ? 'Allow once, always for this kind, or deny with a message.' : cut(question.reason),
  };
}
