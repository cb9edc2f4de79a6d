import { errorMessage } from '../base/bottle-error';
import type { RefreshOutcome } from './credential-refresh';

/*
 * The live core's home refresh (issue 20): a round every minute over the store's subscription
 * logins (credential-refresh.ts decides which are due). The timer never keeps the process up.
 */

export const HOME_REFRESH_INTERVAL_MS = 60_000;

export interface HomeRefreshHooks {
  /** One round over the store. */
  round(): Promise<RefreshOutcome[]>;
  /** A set's sign-in changed: refreshed, or now signed out (here or by another process). */
  changed(set: string): void;
  warn(message: string): void;
}

export interface HomeRefreshLoop {
  close(): void;
}

export function startHomeRefresh(hooks: HomeRefreshHooks, intervalMs = HOME_REFRESH_INTERVAL_MS): HomeRefreshLoop {
  // Per set: signed out or not at the last round, and the last failure told, so each is said once.
  const signedOut = new Map<string, boolean>();
  const lastFailure = new Map<string, string>();
  let running = false;

  const noteOutcome = (outcome: RefreshOutcome): void => {
    const { set, result } = outcome;
    const out = result === 'signed-out' || result === 'refused';
    const was = signedOut.get(set);
    signedOut.set(set, out);
    // A set first seen signed out is told too: another process (a CLI start) may have found it so.
    if (result === 'refreshed' || result === 'refused' || (was ?? false) !== out) hooks.changed(set);
    if (result === 'refused') hooks.warn(`the sign-in of ${set} was refused at its refresh (sign in again): ${outcome.reason ?? ''}`);
    if (result !== 'failed') {
      lastFailure.delete(set);
    } else if (lastFailure.get(set) !== outcome.reason) {
      lastFailure.set(set, outcome.reason ?? '');
      hooks.warn(`could not refresh the sign-in of ${set} (tried again every minute): ${outcome.reason ?? ''}`);
    }
  };

  const tick = (): void => {
    // A round still waiting for the service is not doubled by the next tick.
    if (running) return;
    running = true;
    hooks
      .round()
      .then((outcomes) => outcomes.forEach(noteOutcome))
      .catch((error: unknown) => hooks.warn(`home refresh of sign-ins: ${errorMessage(error)}`))
      .finally(() => {
        running = false;
      });
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return { close: () => clearInterval(timer) };
}
