import type { NetworkLogEntry } from './network-view';

/*
 * Which records of a bottle's connection log the Network tab shows (issue 19): a text to find in
 * the destination, and which decisions. Pure, so the tab and its test apply the same rule.
 */

/** The decision chips: every record, the ones let through, the ones refused. */
export const NETWORK_DECISION_FILTERS = ['all', 'allow', 'deny'] as const;
export type NetworkDecisionFilter = (typeof NETWORK_DECISION_FILTERS)[number];

export interface NetworkLogFilter {
  /** Found in `host:port`, whatever its case; blank or spaces alone: every destination. */
  text: string;
  decision: NetworkDecisionFilter;
}

/** `host:port` as the tab shows it (an IPv6 literal in brackets, so its colons are not the port's). */
export function networkDestination(entry: Pick<NetworkLogEntry, 'host' | 'port'>): string {
  // A `lost` line (records the gateway dropped) names no destination.
  if (entry.host === '') return '—';
  return `${entry.host.includes(':') ? `[${entry.host}]` : entry.host}:${entry.port}`;
}

/** Whether one record passes the filter. */
export function networkLogMatches(entry: NetworkLogEntry, filter: NetworkLogFilter): boolean {
  if (filter.decision !== 'all' && entry.decision !== filter.decision) return false;
  const needle = filter.text.trim().toLowerCase();
  return needle === '' || networkDestination(entry).toLowerCase().includes(needle);
}

/** The records that pass, in their order; the same array when the filter lets everything through. */
export function filterNetworkLog(entries: readonly NetworkLogEntry[], filter: NetworkLogFilter): readonly NetworkLogEntry[] {
  if (filter.decision === 'all' && filter.text.trim() === '') return entries;
  return entries.filter((entry) => networkLogMatches(entry, filter));
}
