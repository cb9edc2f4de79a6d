import { memo, type JSX } from 'react';
import { escapeControl } from '../../../shared/escape-text';
import { useBottle } from '../stores/bottles-store';
import { useEngineStore } from '../stores/engine-store';
import { useSelectionStore } from '../stores/selection-store';
import { useUiStore } from '../stores/ui-store';
import { openBottle } from '../lib/bottle-panel-actions';
import { shortPath } from '../lib/format';
import { StartedAt } from './bottle-card';
import { BottleStats } from './bottle-stats';
import { ACTIVITY_LABELS } from './card-status-area';
import { StatusPill } from './status-pill';

export const ROW_HEIGHT = 40;

/** The column titles above the rows; the first one selects every bottle shown. */
export function RowsHeader({ allSelected, onToggleAll }: { allSelected: boolean; onToggleAll: () => void }): JSX.Element {
  return (
    <div className="rows-header" role="row">
      <span role="columnheader" className="row-select">
        <input type="checkbox" checked={allSelected} onChange={onToggleAll} aria-label="Select every bottle shown" data-testid="select-all" />
      </span>
      <span role="columnheader">Status</span>
      <span role="columnheader">Bottle</span>
      <span role="columnheader">Agent</span>
      <span role="columnheader">Project</span>
      <span role="columnheader">Engine</span>
      <span role="columnheader">Started</span>
      <span role="columnheader">CPU · memory</span>
      <span role="columnheader">Attention</span>
    </div>
  );
}

function Attention({ identity }: { identity: string }): JSX.Element | null {
  const bottle = useBottle(identity);
  if (bottle === undefined) return null;
  if (bottle.pendingRequest !== null) {
    return (
      <button
        type="button"
        className="badge-pending"
        title={escapeControl(bottle.pendingRequest.reason)}
        onClick={(event) => {
          event.stopPropagation();
          useUiStore.getState().openPanel('approval', identity);
        }}
        data-testid="pending-badge"
      >
        Approval needed
      </button>
    );
  }
  const activity = bottle.activity;
  // Agent-written text (a reason, an error quoting it, a bad request) is escaped, as on the card.
  if (activity?.error != null) {
    return (
      <span className="row-note is-error" title={escapeControl(activity.error)}>
        {ACTIVITY_LABELS[activity.kind] ?? activity.kind} failed
      </span>
    );
  }
  if (activity !== null) return <span className="row-note is-busy">{ACTIVITY_LABELS[activity.kind] ?? activity.kind}…</span>;
  if (bottle.stopReason !== null) {
    return (
      <span className="row-note is-error" title={escapeControl(bottle.stopReason)} data-testid="row-stop-reason">
        stopped: over budget
      </span>
    );
  }
  if (bottle.warnings.length > 0) {
    return (
      <span className="row-note is-warning" title={escapeControl(bottle.warnings.map((w) => `${w.file}: ${w.message}`).join('\n'))}>
        bad request
      </span>
    );
  }
  return null;
}

/**
 * One bottle in the compact view: a click focuses it (what the keyboard acts on), a double click,
 * its name or Enter opens it. Selects only its own record, so an event re-renders one row.
 */
export const BottleRow = memo(function BottleRow({ identity, focused, selected }: { identity: string; focused: boolean; selected: boolean }): JSX.Element | null {
  const bottle = useBottle(identity);
  const engineDown = useEngineStore((state) => state.status?.state === 'unavailable');
  if (bottle === undefined) return null;
  const open = (): void => openBottle(bottle, identity);
  return (
    <div
      role="row"
      aria-selected={selected}
      className={`row row-${bottle.status} ${focused ? 'is-focused' : ''} ${selected ? 'is-selected' : ''}`}
      data-testid="bottle-row"
      data-identity={identity}
      onClick={() => useSelectionStore.getState().focus(identity)}
      onDoubleClick={open}
    >
      <span role="gridcell" className="row-select">
        <input
          type="checkbox"
          checked={selected}
          aria-label={`Select ${identity}`}
          onClick={(event) => event.stopPropagation()}
          onChange={() => useSelectionStore.getState().toggle(identity)}
        />
      </span>
      <span role="gridcell">
        <StatusPill status={bottle.status} exitCode={bottle.exitCode} stale={engineDown} />
      </span>
      <span role="gridcell" className="row-identity">
        <button type="button" className="row-open" onClick={open} title={`Open ${identity}`}>
          {identity}
        </button>
      </span>
      <span role="gridcell" className="row-text">{bottle.agentName ?? '—'}</span>
      <span role="gridcell" className="row-text row-mono" title={bottle.cwd ?? ''}>
        {bottle.cwd === null || bottle.cwd === '' ? '—' : shortPath(bottle.cwd)}
      </span>
      <span role="gridcell" className="row-text" title={bottle.engine === 'default' ? 'The default Docker engine' : `Docker context ${bottle.engine}`}>
        {bottle.engine}
      </span>
      <span role="gridcell" className="row-text row-muted">{bottle.startedAt !== null ? <StartedAt iso={bottle.startedAt} /> : '—'}</span>
      <span role="gridcell">{bottle.status === 'running' ? <BottleStats identity={identity} layout="row" /> : <span className="row-muted">—</span>}</span>
      <span role="gridcell" className="row-attention">
        <Attention identity={identity} />
      </span>
    </div>
  );
});
