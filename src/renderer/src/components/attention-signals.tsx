import { useEffect, useRef } from 'react';
import { announcements, waitingRequests, type WaitingRequest } from '../../../shared/waiting-requests';
import { attentionTitle, newRequests } from '../lib/attention';
import { useBottlesStore } from '../stores/bottles-store';
import { useUiStore } from '../stores/ui-store';

const ASKED_KEY = 'claude-bottle.notifications-asked';

/** Browser mode only: the desktop app raises its own notifications from the main process. */
function webNotifications(): boolean {
  return window.claudeBottle.mode === 'browser' && typeof Notification !== 'undefined';
}

/** Asks for permission once ever (remembered in this browser), when the first request waits. */
async function askOnce(): Promise<void> {
  if (!webNotifications() || Notification.permission !== 'default') return;
  try {
    if (localStorage.getItem(ASKED_KEY) !== null) return;
    localStorage.setItem(ASKED_KEY, new Date().toISOString());
  } catch (error: unknown) {
    // No storage (private mode): asking again next session is the lesser evil.
  }
  await Notification.requestPermission();
}

function announce(fresh: readonly WaitingRequest[]): void {
  if (!webNotifications() || Notification.permission !== 'granted') return;
  const { byIdentity } = useBottlesStore.getState();
  // Worded and grouped as the desktop app's notifications are (one function for both).
  for (const { identity, tag, title, body } of announcements(fresh, (id) => byIdentity[id]?.pendingRequest?.reason ?? '')) {
    const notification = new Notification(title, { body, tag });
    notification.onclick = () => {
      window.focus();
      useUiStore.getState().openPanel('approval', identity);
      notification.close();
    };
  }
}

/**
 * Tells the operator a decision is waiting wherever they look: the number of waiting requests
 * (Dockerfile requests and held network connections) in the window title (both modes; the desktop
 * app also badges its dock icon), and in browser mode a system notification per new request,
 * after asking once.
 */
export function AttentionSignals(): null {
  // Keys only, as one string: a bottle's unrelated change (its stats) re-renders nothing.
  const waiting = useBottlesStore((state) =>
    waitingRequests(Object.values(state.byIdentity))
      .map((request) => request.key)
      .join('\n'),
  );
  const loaded = useBottlesStore((state) => state.loaded);
  const seen = useRef<Set<string> | null>(null);

  useEffect(() => {
    const keys = waiting === '' ? [] : waiting.split('\n');
    document.title = attentionTitle(keys.length);
    if (!loaded) return;
    if (seen.current === null) {
      // What waits at load is on screen already: no notification, but it is the moment to ask.
      seen.current = new Set(keys);
      // A browser that refuses to ask leaves the title count and the cards to say what waits.
      if (keys.length > 0) void askOnce().catch((_error: unknown) => undefined);
      return;
    }
    const fresh = newRequests(seen.current, waitingRequests(Object.values(useBottlesStore.getState().byIdentity)));
    seen.current = new Set(keys);
    if (fresh.length === 0) return;
    askOnce().then(
      () => announce(fresh),
      // A browser that refuses to ask: the title count and the cards still say what waits.
      (_error: unknown) => undefined,
    );
  }, [waiting, loaded]);

  return null;
}
