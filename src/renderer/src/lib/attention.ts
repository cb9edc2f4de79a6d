import type { BottleView } from '../../../shared/bottle-view';

export const APP_TITLE = 'Claude Bottle';

/** The window title: the number of bottles waiting for a decision first, so a tab or taskbar shows it. */
export function attentionTitle(waiting: number): string {
  return waiting === 0 ? APP_TITLE : `(${waiting}) ${waiting === 1 ? 'approval' : 'approvals'} waiting · ${APP_TITLE}`;
}

/** "identity request-id" for every waiting request: what a notification is raised once for. */
export function waitingRequests(bottles: Iterable<BottleView>): string[] {
  const keys: string[] = [];
  for (const bottle of bottles) if (bottle.pendingRequest !== null) keys.push(`${bottle.identity} ${bottle.pendingRequest.id}`);
  return keys.sort();
}

/** The requests in `now` that were not in `before`. */
export function newRequests(before: ReadonlySet<string>, now: readonly string[]): string[] {
  return now.filter((key) => !before.has(key));
}
