import { create } from 'zustand';
import { MAX_NETWORK_LOG_LINES, type NetworkLogEntry } from '../../../shared/network-view';
import { invoke, messageOf } from '../api/api';

/** One bottle's Network tab: the records read at open, then every one the core pushes. */
export interface BottleNetworkLog {
  entries: readonly NetworkLogEntry[];
  /** Null until the first read answers. */
  gatewayOn: boolean | null;
  loading: boolean;
  error: string | null;
}

interface NetworkLogState {
  byIdentity: Record<string, BottleNetworkLog>;
  /** The tab shows: read the log, and keep the pushed records from now on. */
  open(identity: string): void;
  close(identity: string): void;
  /** A `network-log` event: appended when the bottle's tab is open (ignored otherwise). */
  appended(identity: string, entry: NetworkLogEntry): void;
  /** The link to the core came back (browser mode): records may have been missed, every open log is read again. */
  reread(): void;
}

const EMPTY: BottleNetworkLog = { entries: [], gatewayOn: null, loading: true, error: null };

/** How many tabs show each bottle's log (the docked panel, a maximized one): kept while any does. */
const watchers = new Map<string, number>();
/** Records pushed while the first read is in flight: the read may or may not hold them. */
const arrivedDuringRead = new Map<string, NetworkLogEntry[]>();

/** The newest records win: a bottle that connects without pause keeps the tab at the cap. */
function capped(entries: readonly NetworkLogEntry[]): readonly NetworkLogEntry[] {
  return entries.length > MAX_NETWORK_LOG_LINES ? entries.slice(-MAX_NETWORK_LOG_LINES) : entries;
}

/** The read, then what arrived during it and is not in its tail already (the file was read after they were written, or before). */
function merged(read: readonly NetworkLogEntry[], arrived: readonly NetworkLogEntry[]): readonly NetworkLogEntry[] {
  if (arrived.length === 0) return read;
  const tail = new Set(read.slice(-arrived.length).map((entry) => JSON.stringify(entry)));
  return capped([...read, ...arrived.filter((entry) => !tail.has(JSON.stringify(entry)))]);
}

export const useNetworkLogStore = create<NetworkLogState>()((set, get) => {
  const patch = (identity: string, change: Partial<BottleNetworkLog>): void =>
    set((state) => ({ byIdentity: { ...state.byIdentity, [identity]: { ...(state.byIdentity[identity] ?? EMPTY), ...change } } }));

  const read = async (identity: string): Promise<void> => {
    arrivedDuringRead.set(identity, []);
    try {
      const view = await invoke('network:log', { identity, limit: MAX_NETWORK_LOG_LINES });
      if (!watchers.has(identity)) return;
      patch(identity, {
        entries: merged(view.entries, arrivedDuringRead.get(identity) ?? []),
        gatewayOn: view.gatewayOn,
        loading: false,
        error: null,
      });
    } catch (error: unknown) {
      if (watchers.has(identity)) patch(identity, { loading: false, error: messageOf(error) });
    } finally {
      arrivedDuringRead.delete(identity);
    }
  };

  return {
    byIdentity: {},
    open: (identity) => {
      const count = watchers.get(identity) ?? 0;
      watchers.set(identity, count + 1);
      if (count > 0) return;
      patch(identity, { ...EMPTY });
      void read(identity);
    },
    close: (identity) => {
      const count = watchers.get(identity) ?? 0;
      if (count > 1) {
        watchers.set(identity, count - 1);
        return;
      }
      watchers.delete(identity);
      set((state) => {
        const byIdentity = { ...state.byIdentity };
        delete byIdentity[identity];
        return { byIdentity };
      });
    },
    appended: (identity, entry) => {
      if (!watchers.has(identity)) return;
      const during = arrivedDuringRead.get(identity);
      if (during !== undefined) {
        during.push(entry);
        return;
      }
      const current = get().byIdentity[identity] ?? EMPTY;
      // A record means the gateway is on now, whatever the first read said.
      patch(identity, { entries: capped([...current.entries, entry]), gatewayOn: true });
    },
    reread: () => {
      for (const identity of watchers.keys()) void read(identity);
    },
  };
});

export function useNetworkLog(identity: string): BottleNetworkLog {
  return useNetworkLogStore((state) => state.byIdentity[identity]) ?? EMPTY;
}
