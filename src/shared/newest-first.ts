/**
 * The order every bottle list comes in, newest first, decided once for the core's listing and the
 * renderer's store. "Newest" is when the bottle was created, not when it last started: a resume or
 * an approved rebuild must not jump a bottle to the top of the list. An item without a creation time
 * goes by its start time. Times are compared as instants (parsed), not as text: an ISO time written
 * with another offset ("+02:00") sorts by when it was, not by how it reads. A bottle with neither
 * (or one that does not parse) comes last; ties go by identity, so the order is total. Pure.
 */

export interface Started {
  identity: string;
  startedAt: string | null;
  createdAt?: string | null;
}

/** When it started, in milliseconds; -Infinity when unknown, so it sorts after every known time. */
export function startedTime(startedAt: string | null | undefined): number {
  const value = startedAt ? Date.parse(startedAt) : NaN;
  return Number.isNaN(value) ? -Infinity : value;
}

/** The time an item is ordered by: its creation, else its start. */
function orderTime(item: Started): number {
  const created = startedTime(item.createdAt);
  return created === -Infinity ? startedTime(item.startedAt) : created;
}

/** Newest first, then identity: the comparator over keys computed once per item. */
function compareNewestFirst(a: { identity: string; started: number }, b: { identity: string; started: number }): number {
  if (a.started !== b.started) return a.started > b.started ? -1 : 1;
  return a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0;
}

/**
 * The items newest first, as a new array. Each time is parsed once, not once per comparison: the
 * list holds thousands of bottles.
 */
export function newestFirst<T extends Started>(items: readonly T[]): T[] {
  const keyed = items.map((item) => ({ item, identity: item.identity, started: orderTime(item) }));
  keyed.sort(compareNewestFirst);
  return keyed.map((entry) => entry.item);
}
