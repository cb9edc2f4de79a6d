import { create } from 'zustand';

export const BOTTLE_TABS = ['terminal', 'shell', 'logs', 'network', 'changes', 'history', 'checkpoints', 'inspect'] as const;
export type BottleTab = (typeof BOTTLE_TABS)[number];

interface BottlePanelState {
  /** The bottle whose view is open (docked at the bottom, or maximized). */
  identity: string | null;
  tab: BottleTab;
  maximized: boolean;
  /** A checkpoint the Timeline jumped to: the Checkpoints tab marks its row. */
  focusedCheckpoint: string | null;
  open(identity: string, tab?: BottleTab): void;
  /** Opens the Checkpoints tab at one checkpoint (the Timeline's jump from a checkpoint event). */
  showCheckpoint(id: string): void;
  setTab(tab: BottleTab): void;
  toggleMaximized(): void;
  close(): void;
}

export const useBottlePanelStore = create<BottlePanelState>()((set) => ({
  identity: null,
  tab: 'terminal',
  maximized: false,
  focusedCheckpoint: null,
  open: (identity, tab = 'terminal') => set({ identity, tab, focusedCheckpoint: null }),
  showCheckpoint: (id) => set({ tab: 'checkpoints', focusedCheckpoint: id }),
  setTab: (tab) => set({ tab }),
  toggleMaximized: () => set((state) => ({ maximized: !state.maximized })),
  close: () => set({ identity: null, maximized: false }),
}));
