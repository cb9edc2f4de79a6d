import { memo, type JSX } from 'react';
import { displayStatus } from '../../../shared/allowed-actions';
import { activityLabel, attentionState } from '../../../shared/attention-state';
import { agentLastMessage, agentStatusLine, permissionAsk } from '../../../shared/agent-status-line';
import type { BottleView } from '../../../shared/bottle-view';
import { earlyExitTiming } from '../../../shared/early-exit-text';
import { escapeControl } from '../../../shared/escape-text';
import { resumeLine } from '../../../shared/resume-line';
import { useBottle } from '../stores/bottles-store';
import { useEngineStore } from '../stores/engine-store';
import { useSelectionStore } from '../stores/selection-store';
import { useUiStore } from '../stores/ui-store';
import { openBottle } from '../lib/bottle-panel-actions';
import { firstWaitingKind } from '../lib/first-waiting';
import { shortPath } from '../lib/format';
import { LongWaitMark } from './agent-line';
import { RowActions } from './row-actions';
import { FamilyLine } from './family-line';
import { StartedAt } from './bottle-card';
import { BottleStats } from './bottle-stats';
import { StatusPill } from './status-pill';
import { networkAsk, networkLabel } from './network-request-area';
import { permissionLabel } from './permission-request-area';

export const ROW_HEIGHT = 40;

/** The column titles above the rows; the first one selects every bottle shown. */
export function RowsHeader({ allSelected, onToggleAll }: { allSelected: boolean; onToggleAll: () => void }): JSX.Element {
  return (
    <div className="rows-header" role="row">
      <span role="columnheader" className="row-select">
        <input
          type="checkbox"
          checked={allSelected}
          onChange={onToggleAll}
          aria-label="Select every bottle shown"
          data-testid="select-all"
        />
      </span>
      <span role="columnheader">Status</span>
      <span role="columnheader">Bottle</span>
      <span role="columnheader">Agent</span>
      <span role="columnheader">Project</span>
      <span role="columnheader">Engine</span>
      <span role="columnheader">Started</span>
      <span role="columnheader">CPU · memory</span>
      <span role="columnheader">Attention</span>
      <span role="columnheader" className="row-actions-cell">
        Actions
      </span>
    </div>
  );
}

/** The row's short word for each attention state; which state wins is the card's rule, shared. */
export function RowAttention({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const identity = bottle.identity;
  const kind = attentionState(bottle);
  const activity = bottle.activity;
  // Agent-written text (a reason, an error quoting it, a bad request) is escaped, as on the card.
  switch (kind) {
    case 'failed':
      return (
        <span className="row-note is-error" title={escapeControl(activity?.error ?? '')} data-attention={kind}>
          {activityLabel(activity?.kind ?? '')} failed
        </span>
      );
    case 'activity':
      return (
        <span className="row-note is-busy" data-attention={kind}>
          {activityLabel(activity?.kind ?? '')}…
        </span>
      );
    case 'stopped':
      return (
        <span
          className="row-note is-error"
          title={escapeControl(bottle.stopReason ?? '')}
          data-testid="row-stop-reason"
          data-attention={kind}
        >
          over disk budget
        </span>
      );
    case 'pending': {
      // The first waiting request in the shared order, named as the card names it; the approval panel answers it.
      const { label, title, testId } = pendingBadge(bottle);
      return (
        <button
          type="button"
          className="badge-pending"
          title={title}
          onClick={(event) => {
            event.stopPropagation();
            useUiStore.getState().openPanel('approval', identity);
          }}
          data-testid={testId}
          data-attention={kind}
        >
          {label}
        </button>
      );
    }
    case 'waiting':
      return (
        <span className="row-note row-agent" title={agentLastMessage(bottle, 2000) ?? ''} data-attention={kind}>
          {agentStatusLine(bottle) ?? 'waiting for you'}
          <LongWaitMark bottle={bottle} />
        </span>
      );
    case 'early-exit':
      // Why it exited, in the words the card's early-exit area uses: the reason is the cell.
      return (
        <span
          className="row-note is-error"
          title={`Exited on start: ${quietTitle(bottle, kind)}`}
          data-testid="row-exit-reason"
          data-attention={kind}
        >
          {escapeControl(bottle.earlyExit?.reason ?? ROW_NOTES[kind])}
        </span>
      );
    case 'corrupt':
    case 'orphan':
    case 'ready':
      return (
        <span className={`row-note ${kind === 'ready' ? '' : 'is-error'}`} title={quietTitle(bottle, kind)} data-attention={kind}>
          {kind === 'ready' ? readyWord(bottle).toLowerCase() : ROW_NOTES[kind]}
        </span>
      );
    case 'warning':
      return (
        <span
          className="row-note is-warning"
          title={escapeControl(bottle.warnings.map((w) => `${w.file}: ${w.message}`).join('\n'))}
          data-attention={kind}
        >
          bad request
        </span>
      );
    case 'hint': {
      // A container that failed later than its first minute: its exit code is the why the row has.
      if (bottle.status === 'exited' && bottle.exitCode !== null && bottle.exitCode !== 0) {
        return (
          <span className="row-note is-error" title={displayStatus(bottle)} data-testid="row-exit-reason" data-attention={kind}>
            failed: exit code {bottle.exitCode}
          </span>
        );
      }
      // Nothing asks for the operator; what the agent reports (working on…, finished) is said quietly.
      const line = agentStatusLine(bottle);
      return line === null ? null : (
        <span className="row-note row-muted" title={agentLastMessage(bottle, 2000) ?? line} data-testid="row-agent-status">
          {line}
        </span>
      );
    }
  }
}

/** The row's badge for the first waiting request: its words, its tooltip and its test id. */
function pendingBadge(bottle: BottleView): { label: string; title: string; testId: string } {
  const network = bottle.networkPending[0];
  const question = bottle.permissionPending[0];
  switch (firstWaitingKind(bottle)) {
    case 'network':
      return {
        label: networkLabel(bottle.networkPending.length),
        title: network === undefined ? '' : networkAsk(network),
        testId: 'network-badge',
      };
    case 'permission':
      return {
        label: permissionLabel(bottle.permissionPending.length),
        title: question === undefined ? '' : permissionAsk(question),
        testId: 'permission-badge',
      };
    default:
      return { label: 'Approval needed', title: escapeControl(bottle.pendingRequest?.reason ?? ''), testId: 'pending-badge' };
  }
}

/** The states the row had no word for before: the same states the card's status area names. */
const ROW_NOTES = { corrupt: 'corrupt state', orphan: 'orphan container', ready: 'rebuilt', 'early-exit': 'exited on start' } as const;

/** Only a bottle an approval rebuilt is "Rebuilt"; one the operator stopped says so. */
function readyWord(bottle: BottleView): string {
  return bottle.readyReason === 'approved' ? 'Rebuilt' : 'Stopped';
}

function quietTitle(bottle: BottleView, kind: keyof typeof ROW_NOTES): string {
  if (kind === 'corrupt') return bottle.corruptReason ?? 'metadata.json cannot be read';
  if (kind === 'orphan') return 'Its state folder is gone, so it cannot be resumed';
  if (kind === 'ready') return `${readyWord(bottle)}: resume here, or from a terminal: ${resumeLine(bottle.identity)}`;
  return bottle.earlyExit === null ? '' : `${bottle.earlyExit.reason} (${earlyExitTiming(bottle.earlyExit)})`;
}

/**
 * One bottle in the compact view: a click opens it (as Docker Desktop's list does) and focuses it
 * (what the keyboard acts on); its checkbox, badge and action icons act without opening it.
 * Selects only its own record, so an event re-renders one row.
 */
export const BottleRow = memo(function BottleRow({
  identity,
  focused,
  selected,
}: {
  identity: string;
  focused: boolean;
  selected: boolean;
}): JSX.Element | null {
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
      onClick={() => {
        useSelectionStore.getState().focus(identity);
        open();
      }}
    >
      {/* A click beside the box selects nothing and opens nothing: selecting never opens. */}
      <span role="gridcell" className="row-select" onClick={(event) => event.stopPropagation()}>
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
        <button
          type="button"
          className="row-open"
          onClick={(event) => {
            // The row's click opens it: stopping here keeps one open per click.
            event.stopPropagation();
            useSelectionStore.getState().focus(identity);
            open();
          }}
          title={`Open ${identity}`}
        >
          {identity}
        </button>
        {bottle.name !== null ? (
          <span className="row-name" title={`Name: ${escapeControl(bottle.name)}`} data-testid="row-name">
            {escapeControl(bottle.name)}
          </span>
        ) : null}
        <FamilyLine bottle={bottle} layout="row" />
      </span>
      <span role="gridcell" className="row-text">
        {bottle.agentName ?? '—'}
      </span>
      <span role="gridcell" className="row-text row-mono" title={bottle.cwd ?? ''}>
        {bottle.cwd === null || bottle.cwd === '' ? '—' : shortPath(bottle.cwd)}
      </span>
      <span
        role="gridcell"
        className="row-text"
        title={bottle.engine === 'default' ? 'The default Docker engine' : `Docker context ${bottle.engine}`}
      >
        {bottle.engine}
      </span>
      <span role="gridcell" className="row-text row-muted">
        {bottle.startedAt !== null ? <StartedAt iso={bottle.startedAt} /> : '—'}
      </span>
      <span role="gridcell">
        {bottle.status === 'running' ? <BottleStats identity={identity} layout="row" /> : <span className="row-muted">—</span>}
      </span>
      <span role="gridcell" className="row-attention">
        <RowAttention bottle={bottle} />
      </span>
      <span role="gridcell" className="row-actions-cell">
        <RowActions bottle={bottle} engineDown={engineDown} />
      </span>
    </div>
  );
});
