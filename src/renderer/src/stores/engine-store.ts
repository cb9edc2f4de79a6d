import { create } from 'zustand';
import type { EngineStatus } from '../../../shared/bottle-view';

/** 'connected' when not in browser mode: Electron's IPC cannot drop. */
export type LinkState = 'connecting' | 'connected' | 'disconnected';

interface EngineState {
  status: EngineStatus | null;
  statusError: string | null;
  link: LinkState;
  setStatus(status: EngineStatus): void;
  setStatusError(message: string): void;
  setLink(link: LinkState): void;
}

export const useEngineStore = create<EngineState>()((set) => ({
  status: null,
  statusError: null,
  link: 'connected',
  setStatus: (status) => set({ status, statusError: null }),
  setStatusError: (message) => set({ statusError: message }),
  setLink: (link) => set({ link }),
}));
