import { create } from 'zustand';
import type { BottleActivity, BottleView } from '../../../shared/bottle-view';
import { newestFirst } from '../../../shared/newest-first';

interface BottlesState {
  byIdentity: Record<string, BottleView>;
  /** Identities, newest first: cards render from this and select their own bottle. */
  order: string[];
  loaded: boolean;
  /** Only the newest bottles are here yet (the first screen); `total` says how many there are. */
  partial: { total: number } | null;
  loadError: string | null;
  /** Bottles of other claude-bottle instances (other state roots) on the engines: left out, only counted. */
  otherInstances: number;
  replaceAll(bottles: BottleView[]): void;
  /** The first screen, before the whole list arrives; ignored once the whole list is here. */
  showFirst(bottles: BottleView[], total: number): void;
  upsert(bottle: BottleView): void;
  remove(identity: string): void;
  setActivity(identity: string, activity: BottleActivity | null): void;
  setLoadError(message: string | null): void;
  setOtherInstances(count: number): void;
}

/** Newest first, as the core lists them: one shared order. */
function sortOrder(byIdentity: Record<string, BottleView>): string[] {
  return newestFirst(Object.values(byIdentity)).map((view) => view.identity);
}

export const useBottlesStore = create<BottlesState>()((set) => ({
  byIdentity: {},
  order: [],
  loaded: false,
  partial: null,
  loadError: null,
  otherInstances: 0,
  replaceAll: (bottles) => {
    const byIdentity: Record<string, BottleView> = {};
    for (const bottle of bottles) byIdentity[bottle.identity] = bottle;
    set({ byIdentity, order: sortOrder(byIdentity), loaded: true, partial: null, loadError: null });
  },
  showFirst: (bottles, total) =>
    set((state) => {
      if (state.loaded) return state;
      const byIdentity: Record<string, BottleView> = {};
      for (const bottle of bottles) byIdentity[bottle.identity] = bottle;
      return { byIdentity, order: sortOrder(byIdentity), loaded: true, partial: { total }, loadError: null };
    }),
  upsert: (bottle) =>
    set((state) => {
      const previous = state.byIdentity[bottle.identity];
      const byIdentity = { ...state.byIdentity, [bottle.identity]: bottle };
      // Only a new bottle or a new creation time moves cards; other changes keep the order array stable.
      const moved = previous === undefined || previous.createdAt !== bottle.createdAt || previous.startedAt !== bottle.startedAt;
      return { byIdentity, order: moved ? sortOrder(byIdentity) : state.order };
    }),
  remove: (identity) =>
    set((state) => {
      if (!(identity in state.byIdentity)) return state;
      const byIdentity = { ...state.byIdentity };
      delete byIdentity[identity];
      return { byIdentity, order: state.order.filter((id) => id !== identity) };
    }),
  setActivity: (identity, activity) =>
    set((state) => {
      const bottle = state.byIdentity[identity];
      if (bottle === undefined) return state;
      return { byIdentity: { ...state.byIdentity, [identity]: { ...bottle, activity } } };
    }),
  setLoadError: (message) => set({ loadError: message }),
  setOtherInstances: (count) => set({ otherInstances: count }),
}));

export function useBottle(identity: string): BottleView | undefined {
  return useBottlesStore((state) => state.byIdentity[identity]);
}
