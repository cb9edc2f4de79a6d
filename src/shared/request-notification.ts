/**
 * The system notification raised when a request starts waiting for the operator, made once for
 * both notifiers (the desktop app's main process and the browser page). The reason is the agent's
 * text: it is escaped as on every other surface, so an escape sequence or a bidi override reads as
 * what it is, and cut short so a notification stays a notification. Pure.
 */
import { escapeLine } from './escape-text';

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
