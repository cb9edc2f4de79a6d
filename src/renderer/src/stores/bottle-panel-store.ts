import { create } from 'zustand';

export const BOTTLE_TABS = ['terminal', 'shell', 'logs', 'network', 'changes', 'history', 'checkpoints', 'inspect'] as const;
export type BottleTab = (typeof BOTTLE_TABS)[number];

interface BottlePanelState {
  /** The bottle whose view is open (docked at the bottom, or maximized). */
  identity: string | null;
  tab: BottleTab;
  maximized: boolean;
  open(identity: string, tab?: BottleTab): void;
  setTab(tab: BottleTab): void;
  toggleMaximized(): void;
  close(): void;
}

export const useBottlePanelStore = create<BottlePanelState>()((set) => ({
  identity: null,
  tab: 'terminal',
  maximized: false,
  open: (identity, tab = 'terminal') => set({ identity, tab }),
  setTab: (tab) => set({ tab }),
  toggleMaximized: () => set((state) => ({ maximized: !state.maximized })),
  close: () => set({ identity: null, maximized: false }),
}));
