/**
 * What waits for the operator, counted and announced the same way by every notifier: the window
 * title (desktop and browser), the dock badge and the desktop notifications (main process), and the
 * browser page's notifications. A bottle's Dockerfile request and each of its held network
 * connections (issue 19) and each permission question its agent asks (issue 21) are one waiting
 * request each. Pure.
 */
import type { PermissionQuestion } from './agent-reports';
import type { BottleView } from './bottle-view';
import type { NetworkRequest } from './network-policy';
import { networkNotification, permissionNotification, requestNotification, type RequestNotification } from './request-notification';

type WaitingFacts = Pick<BottleView, 'identity' | 'pendingRequest' | 'networkPending' | 'permissionPending'>;

export interface WaitingRequest {
  /** "identity request-id", "identity net:held-id" or "identity perm:question-id": what a notification is raised once for. */
  key: string;
  identity: string;
  /** The held connection, for a network request; null otherwise. */
  network: NetworkRequest | null;
  /** The permission question, for one its agent asks; null otherwise (absent: a caller from before issue 21). */
  permission?: PermissionQuestion | null;
}

/**
 * One bottle's waiting requests: its Dockerfile request first, then its held connections oldest
 * first, then its agent's permission questions oldest first.
 */
export function bottleWaitingRequests(view: WaitingFacts): WaitingRequest[] {
  const waiting: WaitingRequest[] = [];
  if (view.pendingRequest !== null)
    waiting.push({ key: `${view.identity} ${view.pendingRequest.id}`, identity: view.identity, network: null, permission: null });
  for (const held of view.networkPending)
    waiting.push({ key: `${view.identity} net:${held.id}`, identity: view.identity, network: held, permission: null });
  for (const question of view.permissionPending)
    waiting.push({ key: `${view.identity} perm:${question.id}`, identity: view.identity, network: null, permission: question });
  return waiting;
}

/** Every bottle's waiting requests, in a stable order (by key). */
export function waitingRequests(views: Iterable<WaitingFacts>): WaitingRequest[] {
  const waiting: WaitingRequest[] = [];
  for (const view of views) waiting.push(...bottleWaitingRequests(view));
  return waiting.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface Announcement extends RequestNotification {
  identity: string;
  /** The first new request's key: a browser notification's tag. */
  tag: string;
}

/**
 * The notifications for requests that just started waiting: one per Dockerfile request, and one per
 * bottle for all its new permission questions together and one for all its new held connections
 * (so a flood of either is one notification, not twenty or a hundred).
 */
export function announcements(fresh: readonly WaitingRequest[], reasonOf: (identity: string) => string): Announcement[] {
  const result: Announcement[] = [];
  const held = new Map<string, { tag: string; requests: NetworkRequest[] }>();
  const asked = new Map<string, { tag: string; questions: PermissionQuestion[] }>();
  for (const waiting of fresh) {
    const question = waiting.permission ?? null;
    if (question !== null) {
      const group = asked.get(waiting.identity) ?? { tag: waiting.key, questions: [] };
      group.questions.push(question);
      asked.set(waiting.identity, group);
      continue;
    }
    if (waiting.network === null) {
      result.push({
        identity: waiting.identity,
        tag: waiting.key,
        ...requestNotification(waiting.identity, { reason: reasonOf(waiting.identity) }),
      });
      continue;
    }
    const group = held.get(waiting.identity) ?? { tag: waiting.key, requests: [] };
    group.requests.push(waiting.network);
    held.set(waiting.identity, group);
  }
  for (const [identity, group] of asked) result.push({ identity, tag: group.tag, ...permissionNotification(identity, group.questions) });
  for (const [identity, group] of held) {
    const oldestFirst = group.requests.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    result.push({ identity, tag: group.tag, ...networkNotification(identity, oldestFirst) });
  }
  return result;
}
