import { create } from 'zustand';
import { useBottlePanelStore } from './bottle-panel-store';

/** Where the keyboard goes once the unfolded form is on screen. */
export type LaunchFocus = 'folder' | 'start' | 'bar';

interface LaunchFoldState {
  /** The operator's choice, remembered: folded to one bar while bottles exist (first run is always open). */
  folded: boolean;
  /**
   * Unfolded while the current bottle view is docked. Docking folds the panel for the list's sake
   * even when the operator keeps it open; this says they opened it anyway. Forgotten on (un)docking.
   */
  openWhileDocked: boolean;
  /** A field to focus once the form renders (the form clears it). */
  focus: LaunchFocus | null;
  unfold(focus?: LaunchFocus | null): void;
  fold(focus?: LaunchFocus | null): void;
  dockChanged(): void;
  focused(): void;
}

const STORAGE_KEY = 'claude-bottle.launch-folded';

/** The remembered choice; folded unless the operator left it open (anything unreadable: folded). */
export function readLaunchFolded(storage: Pick<Storage, 'getItem'> | undefined): boolean {
  try {
    return storage?.getItem(STORAGE_KEY) !== 'open';
  } catch (error: unknown) {
    // Storage disabled: the default holds.
    return true;
  }
}

function save(folded: boolean): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, folded ? 'folded' : 'open');
  } catch (error: unknown) {
    // Storage full or disabled (private mode): the choice holds for this session only.
  }
}

export const useLaunchFoldStore = create<LaunchFoldState>()((set) => ({
  folded: readLaunchFolded(globalThis.localStorage),
  openWhileDocked: false,
  focus: null,
  unfold: (focus = 'folder') => {
    set({ folded: false, openWhileDocked: true, focus });
    save(false);
  },
  fold: (focus = null) => {
    set({ folded: true, openWhileDocked: false, focus });
    save(true);
  },
  dockChanged: () => set({ openWhileDocked: false }),
  focused: () => set({ focus: null }),
}));

/**
 * What the panel shows: the whole form, or the one-line bar. A start under way keeps the form (its
 * first card must not fold it before the start has answered: a failure is said in the form).
 */
export function showsFolded(state: {
  hasBottles: boolean;
  docked: boolean;
  folded: boolean;
  openWhileDocked: boolean;
  starting: boolean;
}): boolean {
  if (!state.hasBottles || state.starting) return false;
  return state.folded || (state.docked && !state.openWhileDocked);
}

// Docking or closing a bottle view folds the panel again (subscribed here, so the first render
// after the change already shows the bar: no frame of the open form over a freshly docked view).
useBottlePanelStore.subscribe((state, previous) => {
  if ((state.identity === null) !== (previous.identity === null)) useLaunchFoldStore.getState().dockChanged();
});
