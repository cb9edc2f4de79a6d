import { useEffect, useRef } from 'react';
import { requestNotification } from '../../../shared/request-notification';
import { attentionTitle, newRequests, waitingRequests } from '../lib/attention';
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

function announce(keys: readonly string[]): void {
  if (!webNotifications() || Notification.permission !== 'granted') return;
  const { byIdentity } = useBottlesStore.getState();
  for (const key of keys) {
    const identity = key.split(' ')[0] ?? '';
    // The agent's reason, escaped as the desktop app's notification escapes it (one function).
    const { title, body } = requestNotification(identity, byIdentity[identity]?.pendingRequest ?? { reason: '' });
    const notification = new Notification(title, { body, tag: key });
    notification.onclick = () => {
      window.focus();
      useUiStore.getState().openPanel('approval', identity);
      notification.close();
    };
  }
}

/**
 * Tells the operator a decision is waiting wherever they look: the number waiting in the window
 * title (both modes; the desktop app also badges its dock icon), and in browser mode a system
 * notification per new request, after asking once.
 */
export function AttentionSignals(): null {
  const waiting = useBottlesStore((state) => waitingRequests(Object.values(state.byIdentity)).join('\n'));
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
    const fresh = newRequests(seen.current, keys);
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
