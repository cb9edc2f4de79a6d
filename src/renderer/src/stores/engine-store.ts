import { create } from 'zustand';
import type { EngineStatus, EngineSummary } from '../../../shared/bottle-view';

/** 'connected' when not in browser mode: Electron's IPC cannot drop. */
export type LinkState = 'connecting' | 'connected' | 'disconnected';

interface EngineState {
  /** The current engine's status (where new bottles go): what the banner and the chip show. */
  status: EngineStatus | null;
  statusError: string | null;
  /** Every engine's last status, by Docker context name, as pushed. */
  statuses: Record<string, EngineStatus>;
  /** Engines the start panel offers (the default one and each Docker context). */
  engines: EngineSummary[];
  link: LinkState;
  setStatus(status: EngineStatus): void;
  setCurrent(status: EngineStatus): void;
  setStatusError(message: string): void;
  setEngines(engines: EngineSummary[]): void;
  setLink(link: LinkState): void;
}

export const useEngineStore = create<EngineState>()((set) => ({
  status: null,
  statusError: null,
  statuses: {},
  engines: [],
  link: 'connected',
  // A pushed status of any engine; it is the current one's when the names match.
  setStatus: (status) =>
    set((state) => ({
      statuses: { ...state.statuses, [status.name]: status },
      ...(state.status === null || state.status.name === status.name ? { status, statusError: null } : {}),
    })),
  setCurrent: (status) => set((state) => ({ status, statusError: null, statuses: { ...state.statuses, [status.name]: status } })),
  setStatusError: (message) => set({ statusError: message }),
  setEngines: (engines) =>
    set((state) => {
      const statuses = { ...state.statuses };
      for (const engine of engines)
        if (engine.status !== null && statuses[engine.name] === undefined) statuses[engine.name] = engine.status;
      return { engines, statuses };
    }),
  setLink: (link) => set({ link }),
}));

/** Engines other than the current one that do not answer now. */
export function offlineEngines(state: Pick<EngineState, 'statuses' | 'status'>): string[] {
  return Object.values(state.statuses)
    .filter((status) => status.state === 'unavailable' && status.name !== state.status?.name)
    .map((status) => status.name)
    .sort();
}
