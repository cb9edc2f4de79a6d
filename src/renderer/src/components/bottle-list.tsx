import { useDeferredValue, useMemo, type JSX } from 'react';
import type { BottleView } from '../../../shared/bottle-view';
import { useBottlesStore } from '../stores/bottles-store';
import { useUiStore } from '../stores/ui-store';
import { BottleCard } from './bottle-card';

function matches(bottle: BottleView | undefined, needle: string): boolean {
  if (bottle === undefined) return false;
  return [bottle.identity, bottle.agentName, bottle.cwd, bottle.status, bottle.image, bottle.containerId]
    .some((value) => value !== null && value.toLowerCase().includes(needle));
}

function EmptyState({ filtered }: { filtered: boolean }): JSX.Element {
  if (filtered) return <p className="empty-state">No bottle matches the filter.</p>;
  return (
    <div className="empty-state" data-testid="empty-state">
      <p className="empty-title">No bottles yet</p>
      <p>Drop a project folder on this window, pick an agent and press Start. Bottles started with the claude-bottle CLI show up here too.</p>
    </div>
  );
}

export function BottleList(): JSX.Element {
  const order = useBottlesStore((state) => state.order);
  const loaded = useBottlesStore((state) => state.loaded);
  const loadError = useBottlesStore((state) => state.loadError);
  const filter = useDeferredValue(useUiStore((state) => state.filter).trim().toLowerCase());
  // Without a filter the list depends on the order alone, so a bottle's update re-renders only its card.
  const byIdentity = useBottlesStore((state) => (filter === '' ? null : state.byIdentity));
  const visible = useMemo(
    () => (byIdentity === null ? order : order.filter((identity) => matches(byIdentity[identity], filter))),
    [order, filter, byIdentity],
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
  if (visible.length === 0) return <EmptyState filtered={filter !== ''} />;
  return (
    <div className="card-list" data-testid="bottle-list">
      {visible.map((identity) => (
        <BottleCard key={identity} identity={identity} />
      ))}
    </div>
  );
}

export function ListToolbar(): JSX.Element {
  const filter = useUiStore((state) => state.filter);
  const setFilter = useUiStore((state) => state.setFilter);
  const total = useBottlesStore((state) => state.order.length);
  const waiting = useBottlesStore((state) => Object.values(state.byIdentity).filter((bottle) => bottle.pendingRequest !== null).length);
  return (
    <div className="list-toolbar">
      <h2>
        Bottles <span className="count">{total}</span>
        {waiting > 0 ? <span className="count count-attention">{waiting} awaiting approval</span> : null}
      </h2>
      <input
        type="search"
        className="filter"
        placeholder="Filter by identity, agent, folder, status…"
        aria-label="Filter bottles"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
        data-testid="filter-input"
      />
    </div>
  );
}
