import { create } from 'zustand';
import { STATS_HISTORY_LENGTH, type StatsSample } from '../../../shared/bottle-stats';

interface StatsState {
  /** The last readings per bottle, oldest first (at most STATS_HISTORY_LENGTH). */
  byIdentity: Record<string, StatsSample[]>;
  /** Adds readings; ones older than what a bottle already has (history arriving late) are skipped. */
  add(samples: readonly StatsSample[]): void;
  forget(identity: string): void;
}

export const useStatsStore = create<StatsState>()((set) => ({
  byIdentity: {},
  add: (samples) =>
    set((state) => {
      if (samples.length === 0) return state;
      const byIdentity = { ...state.byIdentity };
      for (const sample of samples) {
        const line = byIdentity[sample.identity] ?? [];
        const last = line[line.length - 1];
        if (last !== undefined && sample.at <= last.at) continue;
        byIdentity[sample.identity] = [...line, sample].slice(-STATS_HISTORY_LENGTH);
      }
      return { byIdentity };
    }),
  forget: (identity) =>
    set((state) => {
      if (!(identity in state.byIdentity)) return state;
      const byIdentity = { ...state.byIdentity };
      delete byIdentity[identity];
      return { byIdentity };
    }),
}));

const NO_SAMPLES: StatsSample[] = [];

export function useStats(identity: string): StatsSample[] {
  return useStatsStore((state) => state.byIdentity[identity] ?? NO_SAMPLES);
}
