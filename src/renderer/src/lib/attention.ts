export const APP_TITLE = 'Claude Bottle';

/** The window title: the number of requests waiting for a decision first, so a tab or taskbar shows it. */
export function attentionTitle(waiting: number): string {
  return waiting === 0 ? APP_TITLE : `(${waiting}) ${waiting === 1 ? 'approval' : 'approvals'} waiting · ${APP_TITLE}`;
}

/** The requests in `now` that were not in `before`. */
export function newRequests<T extends { key: string }>(before: ReadonlySet<string>, now: readonly T[]): T[] {
  return now.filter((waiting) => !before.has(waiting.key));
}
