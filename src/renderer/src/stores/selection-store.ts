import { create } from 'zustand';

interface SelectionState {
  /** The bottle the keyboard is on (j/k move it, Enter opens it). */
  focused: string | null;
  /** Bottles picked for a bulk action. */
  selected: ReadonlySet<string>;
  focus(identity: string | null): void;
  toggle(identity: string): void;
  /** Selects all of these, or, when all of them are selected already, none. */
  toggleAll(identities: readonly string[]): void;
  /** Forgets bottles that are gone. */
  keepOnly(known: (identity: string) => boolean): void;
  clear(): void;
}

export const useSelectionStore = create<SelectionState>()((set) => ({
  focused: null,
  selected: new Set(),
  focus: (identity) => set({ focused: identity }),
  toggle: (identity) =>
    set((state) => {
      const selected = new Set(state.selected);
      if (!selected.delete(identity)) selected.add(identity);
      return { selected };
    }),
  toggleAll: (identities) =>
    set((state) => {
      const all = identities.length > 0 && identities.every((identity) => state.selected.has(identity));
      return { selected: all ? new Set() : new Set(identities) };
    }),
  keepOnly: (known) =>
    set((state) => {
      const kept = [...state.selected].filter(known);
      const focused = state.focused !== null && known(state.focused) ? state.focused : null;
      return kept.length === state.selected.size && focused === state.focused ? state : { selected: new Set(kept), focused };
    }),
  clear: () => set({ selected: new Set() }),
}));
