import { create } from 'zustand';
import type { ListSort } from '../lib/list-arrangement';

export type ListView = 'cards' | 'rows';

export interface ListPrefs {
  view: ListView;
  sort: ListSort;
  group: boolean;
}

interface ListPrefsState extends ListPrefs {
  setView(view: ListView): void;
  setSort(sort: ListSort): void;
  setGroup(group: boolean): void;
}

const STORAGE_KEY = 'claude-bottle.list';
const DEFAULTS: ListPrefs = { view: 'cards', sort: 'age', group: false };

/** The operator's last choice, from this browser's storage; anything unreadable falls back to the defaults. */
export function readListPrefs(storage: Pick<Storage, 'getItem'> | undefined): ListPrefs {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (raw == null) return DEFAULTS;
    const value = JSON.parse(raw) as Partial<Record<keyof ListPrefs, unknown>>;
    return {
      view: value.view === 'rows' || value.view === 'cards' ? value.view : DEFAULTS.view,
      sort: value.sort === 'status' || value.sort === 'project' || value.sort === 'age' ? value.sort : DEFAULTS.sort,
      group: typeof value.group === 'boolean' ? value.group : DEFAULTS.group,
    };
  } catch (error: unknown) {
    // Storage disabled or a value from another version: the defaults are a fine start.
    return DEFAULTS;
  }
}

function save(prefs: ListPrefs): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(prefs));
  } catch (error: unknown) {
    // Storage full or disabled (private mode): the choice holds for this session only.
  }
}

/** Cards or rows, sort and grouping: remembered per browser (and per desktop app profile). */
export const useListPrefsStore = create<ListPrefsState>()((set, get) => {
  const update = (change: Partial<ListPrefs>): void => {
    set(change);
    const { view, sort, group } = get();
    save({ view, sort, group });
  };
  return {
    ...readListPrefs(globalThis.localStorage),
    setView: (view) => update({ view }),
    setSort: (sort) => update({ sort }),
    setGroup: (group) => update({ group }),
  };
});
