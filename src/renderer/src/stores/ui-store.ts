import { create } from 'zustand';

export type PanelKind = 'approval' | 'history';

/** The side panel: one bottle's approval or history, or the Trust step of a project agent. */
export type Panel = { kind: PanelKind; identity: string } | { kind: 'trust'; agent: string; cwd: string };

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

interface UiState {
  filter: string;
  panel: Panel | null;
  confirmRemove: string | null;
  /** The bottle whose Fork dialog is open (issue 24); null: none. */
  forkDialog: string | null;
  notices: Notice[];
  /** Ticks once a minute so relative times stay true without any backend polling. */
  now: number;
  setFilter(filter: string): void;
  openPanel(kind: PanelKind, identity: string): void;
  openTrust(agent: string, cwd: string): void;
  closePanel(): void;
  askRemove(identity: string | null): void;
  askFork(identity: string | null): void;
  notify(level: Notice['level'], message: string): void;
  dismiss(id: number): void;
  tick(): void;
}

let nextNoticeId = 1;
const NOTICE_LIMIT = 4;

export const useUiStore = create<UiState>()((set) => ({
  filter: '',
  panel: null,
  confirmRemove: null,
  forkDialog: null,
  notices: [],
  now: Date.now(),
  setFilter: (filter) => set({ filter }),
  openPanel: (kind, identity) => set({ panel: { kind, identity } }),
  openTrust: (agent, cwd) => set({ panel: { kind: 'trust', agent, cwd } }),
  closePanel: () => set({ panel: null }),
  askRemove: (identity) => set({ confirmRemove: identity }),
  askFork: (identity) => set({ forkDialog: identity }),
  notify: (level, message) =>
    set((state) => ({ notices: [...state.notices, { id: nextNoticeId++, level, message }].slice(-NOTICE_LIMIT) })),
  dismiss: (id) => set((state) => ({ notices: state.notices.filter((notice) => notice.id !== id) })),
  tick: () => set({ now: Date.now() }),
}));
