import { useCallback, useDeferredValue, useEffect, useMemo, useState, type JSX } from 'react';
import { attentionState, waitsForOperator } from '../../../shared/attention-state';
import type { BottleView } from '../../../shared/bottle-view';
import { otherInstancesNote } from '../../../shared/other-instances';
import { arrangeBottles, type ListItem, type ListSort } from '../lib/list-arrangement';
import { statsWatch } from '../lib/stats-watch';
import { stackOffsets, type ItemRange } from '../lib/windowing';
import { useBottlesStore } from '../stores/bottles-store';
import { useListPrefsStore, type ListView } from '../stores/list-prefs-store';
import { useSelectionStore } from '../stores/selection-store';
import { useUiStore } from '../stores/ui-store';
import { BottleCard } from './bottle-card';
import { BottleRow, ROW_HEIGHT, RowsHeader } from './bottle-row';
import { BulkBar } from './bulk-actions';
import { openKeyboardHelp } from './keyboard-help';
import { useListKeyboard } from './use-list-keyboard';
import { VirtualList } from './virtual-list';

/** What covers the page over the list: the sticky header and bulk bar above, the bottle view docked below. */
function obstructions(): { top: number; bottom: number } {
  const sticky = document.querySelector('.list-sticky')?.getBoundingClientRect().bottom ?? 0;
  const dock = document.querySelector('.bottle-panel')?.getBoundingClientRect().top ?? window.innerHeight;
  return { top: Math.max(52, sticky), bottom: Math.max(0, window.innerHeight - dock) };
}

/** Heights the stack is laid out with (the CSS gives cards and rows exactly these). */
const CARD_HEIGHT = 212;
const CARD_HEIGHT_NARROW = 258;
/** What a card of an agent that exited on start has more, for its last lines (claude-setup.css). */
const EARLY_EXIT_EXTRA = 90;
const CARD_GAP = 10;
const GROUP_HEIGHT = { rows: 34, cards: 40 } as const;
const NARROW = '(max-width: 760px)';

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW).matches);
  useEffect(() => {
    const query = window.matchMedia(NARROW);
    const onChange = (): void => setNarrow(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return narrow;
}

/**
 * The bottles whose card is taller (an agent that exited on start), as one key: the selector runs on
 * every update, but the list re-lays out only when the set itself changes.
 */
function useTallCards(): ReadonlySet<string> {
  const key = useBottlesStore((state) => {
    const tall: string[] = [];
    for (const view of Object.values(state.byIdentity)) {
      // The cheap test first: the shared rule runs only for the few bottles that exited early.
      if (view.earlyExit !== null && attentionState(view) === 'early-exit') tall.push(view.identity);
    }
    return tall.sort().join(' ');
  });
  return useMemo(() => new Set(key === '' ? [] : key.split(' ')), [key]);
}

function EmptyState({ filtered }: { filtered: boolean }): JSX.Element {
  if (filtered) return <p className="empty-state">No bottle matches the filter.</p>;
  return (
    <div className="empty-state" data-testid="empty-state">
      <p className="empty-title">No bottles yet</p>
      <p>
        Drop a project folder on this window, pick an agent and press Start. Bottles started with the claude-bottle CLI show up here too.
      </p>
    </div>
  );
}

function GroupHeader({ item }: { item: Extract<ListItem, { kind: 'group' }> }): JSX.Element {
  return (
    <div className="group-header" title={item.title} data-testid="group-header">
      <span className="group-name">{item.label}</span>
      <span className="count">{item.count}</span>
      {item.waiting > 0 ? <span className="count count-attention">{item.waiting} awaiting approval</span> : null}
    </div>
  );
}

/** What the list shows, arranged; without filter, sort or groups it depends on the order alone, so one bottle's update re-renders only its card or row. */
function useArrangement(): ReturnType<typeof arrangeBottles> & { plain: boolean } {
  const order = useBottlesStore((state) => state.order);
  const sort = useListPrefsStore((state) => state.sort);
  const group = useListPrefsStore((state) => state.group);
  const filter = useDeferredValue(
    useUiStore((state) => state.filter)
      .trim()
      .toLowerCase(),
  );
  const plain = filter === '' && sort === 'age' && !group;
  const byIdentity = useBottlesStore((state) => (plain ? null : state.byIdentity));
  return useMemo(
    () => ({
      ...(byIdentity === null
        ? { items: order.map((identity) => ({ kind: 'bottle' as const, identity })), identities: order }
        : arrangeBottles(order, byIdentity, { filter, sort, group })),
      plain,
    }),
    [order, byIdentity, filter, sort, group, plain],
  );
}

export function BottleList(): JSX.Element {
  const loaded = useBottlesStore((state) => state.loaded);
  const loadError = useBottlesStore((state) => state.loadError);
  const filtering = useUiStore((state) => state.filter.trim() !== '');
  const view = useListPrefsStore((state) => state.view);
  const { items, identities, plain } = useArrangement();
  const partial = useBottlesStore((state) => state.partial);
  const focused = useSelectionStore((state) => state.focused);
  const selected = useSelectionStore((state) => state.selected);
  const narrow = useNarrow();
  useListKeyboard(identities);

  // Selections and focus of bottles that went away are forgotten (outside React: no re-render per event).
  useEffect(
    () =>
      useBottlesStore.subscribe((state, previous) => {
        if (state.order !== previous.order) useSelectionStore.getState().keepOnly((identity) => identity in state.byIdentity);
      }),
    [],
  );

  const tall = useTallCards();
  const offsets = useMemo(() => {
    const card = (narrow ? CARD_HEIGHT_NARROW : CARD_HEIGHT) + CARD_GAP;
    return stackOffsets(items.length, (index) => {
      const item = items[index];
      if (item?.kind === 'group') return GROUP_HEIGHT[view];
      if (view === 'rows') return ROW_HEIGHT;
      return item !== undefined && tall.has(item.identity) ? card + EARLY_EXIT_EXTRA : card;
    });
  }, [items, view, narrow, tall]);

  // The core samples the bottles on screen (those of them that run: one that starts later is
  // picked up by the next round, with no scroll needed).
  const onVisible = useCallback(
    (range: ItemRange) => {
      const shown: string[] = [];
      for (let index = range.start; index < range.end; index += 1) {
        const item = items[index];
        if (item?.kind === 'bottle') shown.push(item.identity);
      }
      statsWatch.want('list', shown);
    },
    [items],
  );
  useEffect(() => () => statsWatch.drop('list'), []);

  const revealIndex = useMemo(
    () => (focused === null ? null : items.findIndex((item) => item.kind === 'bottle' && item.identity === focused)),
    [focused, items],
  );

  if (loadError !== null && !loaded) {
    return (
      <div className="empty-state is-error" role="alert" data-testid="list-error">
        <p className="empty-title">Could not list bottles</p>
        <p>{loadError}</p>
      </div>
    );
  }
  if (!loaded) return <p className="empty-state">Loading bottles…</p>;
  // Only the newest are here yet: they are the top of the plain list, not of a sorted, grouped or filtered one.
  if (partial !== null && !plain) return <p className="empty-state">Loading all {partial.total.toLocaleString()} bottles…</p>;
  if (items.length === 0) return <EmptyState filtered={filtering} />;

  const renderItem = (index: number): JSX.Element | null => {
    const item = items[index];
    if (item === undefined) return null;
    if (item.kind === 'group') return <GroupHeader item={item} />;
    const isFocused = item.identity === focused;
    const isSelected = selected.has(item.identity);
    if (view === 'rows') return <BottleRow identity={item.identity} focused={isFocused} selected={isSelected} />;
    return (
      <div
        className={`card-slot ${isFocused ? 'is-focused' : ''} ${isSelected ? 'is-selected' : ''}`}
        onClick={() => useSelectionStore.getState().focus(item.identity)}
      >
        <BottleCard identity={item.identity} />
      </div>
    );
  };
  const allSelected = identities.length > 0 && identities.every((identity) => selected.has(identity));
  return (
    <div
      className={`bottle-list list-${view}`}
      data-testid="bottle-list"
      role={view === 'rows' ? 'grid' : undefined}
      aria-label="Bottles"
      aria-rowcount={view === 'rows' ? identities.length : undefined}
    >
      <div className="list-sticky">
        <BulkBar />
        {view === 'rows' ? (
          <RowsHeader allSelected={allSelected} onToggleAll={() => useSelectionStore.getState().toggleAll(identities)} />
        ) : null}
      </div>
      <VirtualList
        offsets={offsets}
        renderItem={renderItem}
        keyOf={(index) => {
          const item = items[index];
          return item === undefined ? String(index) : item.kind === 'group' ? `group:${item.key}` : item.identity;
        }}
        onVisible={onVisible}
        revealIndex={revealIndex === -1 ? null : revealIndex}
        obstructions={obstructions}
        className={view === 'rows' ? 'row-stack' : 'card-stack'}
      />
    </div>
  );
}

const SORTS: { value: ListSort; label: string }[] = [
  { value: 'age', label: 'Newest first' },
  { value: 'status', label: 'Status' },
  { value: 'project', label: 'Project' },
];

function ViewSwitch(): JSX.Element {
  const view = useListPrefsStore((state) => state.view);
  const setView = useListPrefsStore((state) => state.setView);
  const option = (value: ListView, label: string): JSX.Element => (
    <label title={value === 'rows' ? 'One compact row per bottle' : 'One card per bottle, with its actions'}>
      <input type="radio" name="list-view" checked={view === value} onChange={() => setView(value)} data-testid={`view-${value}`} />
      <span>{label}</span>
    </label>
  );
  return (
    <div className="segmented segmented-small" role="radiogroup" aria-label="Show bottles as">
      {option('cards', 'Cards')}
      {option('rows', 'Rows')}
    </div>
  );
}

export function ListToolbar(): JSX.Element {
  const filter = useUiStore((state) => state.filter);
  const setFilter = useUiStore((state) => state.setFilter);
  const total = useBottlesStore((state) => state.partial?.total ?? state.order.length);
  const waiting = useBottlesStore(
    (state) => Object.values(state.byIdentity).filter((bottle: BottleView) => waitsForOperator(bottle)).length,
  );
  const othersNote = otherInstancesNote(useBottlesStore((state) => state.otherInstances));
  const sort = useListPrefsStore((state) => state.sort);
  const setSort = useListPrefsStore((state) => state.setSort);
  const group = useListPrefsStore((state) => state.group);
  const setGroup = useListPrefsStore((state) => state.setGroup);
  return (
    <>
      <div className="list-toolbar">
        <h2>
          Bottles <span className="count">{total}</span>
          {waiting > 0 ? <span className="count count-attention">{waiting} awaiting approval</span> : null}
          {othersNote !== null ? (
            <span className="list-note" data-testid="other-instances-note">
              {othersNote}
            </span>
          ) : null}
        </h2>
        <div className="list-controls">
          <input
            type="search"
            className="filter"
            placeholder="Filter bottles  ( / )"
            aria-label="Filter bottles"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            onKeyDown={(event) => {
              // Esc leaves the field for the list (its keys work again); a second Esc clears nothing else.
              if (event.key === 'Escape') event.currentTarget.blur();
            }}
            data-testid="filter-input"
          />
          <label className="list-sort">
            <span className="visually-hidden">Sort by</span>
            <select
              value={sort}
              onChange={(event) => setSort(event.target.value as ListSort)}
              aria-label="Sort bottles"
              data-testid="sort-select"
            >
              {SORTS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox list-group" title="Group bottles by project folder">
            <input type="checkbox" checked={group} onChange={(event) => setGroup(event.target.checked)} data-testid="group-toggle" />
            By folder
          </label>
          <ViewSwitch />
          <button
            type="button"
            className="button button-small button-quiet keys-button"
            onClick={openKeyboardHelp}
            aria-label="Keyboard shortcuts (?)"
            title="Keyboard shortcuts (?)"
          >
            ?
          </button>
        </div>
      </div>
    </>
  );
}
