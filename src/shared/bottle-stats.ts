/**
 * Live resource use of running bottles, as the core samples it and every surface shows it.
 * Pure: imported by the core, the contract and the renderer.
 */

/** One reading of one running bottle. */
export interface StatsSample {
  identity: string;
  /** Milliseconds since the epoch, when the engine was read. */
  at: number;
  /** Percent of one CPU core (200 = two cores busy), as `docker stats` shows it; null on the first reading. */
  cpuPercent: number | null;
  /** Memory in use, page cache left out (what `docker stats` shows). */
  memoryBytes: number;
  /** The bottle's memory limit (or the host's memory when it has none); null when the engine did not say. */
  memoryLimitBytes: number | null;
}

/** How often the core samples the bottles a window shows. */
export const STATS_INTERVAL_MS = 2000;
/** Readings kept per bottle for its sparkline: the last five minutes. */
export const STATS_HISTORY_LENGTH = 150;
/** At or above this share of its memory limit a bottle is marked: the kernel kills it at the limit. */
export const NEAR_MEMORY_LIMIT = 0.9;

/** True when the bottle uses most of its memory limit and may be killed for it soon. */
export function nearMemoryLimit(sample: Pick<StatsSample, 'memoryBytes' | 'memoryLimitBytes'>): boolean {
  const limit = sample.memoryLimitBytes;
  return limit !== null && limit > 0 && sample.memoryBytes / limit >= NEAR_MEMORY_LIMIT;
}

/** Which running bottles a window shows: only those are sampled, and only while some window watches. */
export interface StatsWatchRequest {
  /** null opens a new watch; an id replaces that watch's bottles. */
  subscriptionId: string | null;
  identities: string[];
}
