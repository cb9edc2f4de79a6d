import { useState, type JSX } from 'react';
import { create } from 'zustand';
import { actionState } from '../../../shared/allowed-actions';
import type { BulkRequest, BulkResult } from '../../../shared/bottle-requests';
import type { BottleView } from '../../../shared/bottle-view';
import { invoke, messageOf } from '../api/api';
import { useBottlesStore } from '../stores/bottles-store';
import { useEngineStore } from '../stores/engine-store';
import { useSelectionStore } from '../stores/selection-store';
import { useUiStore } from '../stores/ui-store';
import { useModalDialog } from './use-modal-dialog';
import { DialogActions, KeepStateCheckbox } from './dialog-actions';

type BulkAction = BulkRequest['action'];
const VERBS: Record<BulkAction, { verb: string; done: string }> = {
  stop: { verb: 'Stop', done: 'Stopped' },
  remove: { verb: 'Remove', done: 'Removed' },
};

const useBulkConfirm = create<{ action: BulkAction | null; ask(action: BulkAction | null): void }>()((set) => ({
  action: null,
  ask: (action) => set({ action }),
}));

const plural = (count: number): string => `${count} bottle${count === 1 ? '' : 's'}`;

/** How many of the selected bottles allow the action now (the shared rules decide, the core re-checks). */
function useAllowed(action: BulkAction): { selected: string[]; allowed: string[] } {
  const selected = useSelectionStore((state) => state.selected);
  const byIdentity = useBottlesStore((state) => state.byIdentity);
  const engineAvailable = useEngineStore((state) => state.status?.state !== 'unavailable');
  const list = [...selected].filter((identity) => byIdentity[identity] !== undefined);
  const allowed = list.filter((identity) => actionState(byIdentity[identity] as BottleView, action, { engineAvailable })?.enabled === true);
  return { selected: list, allowed };
}

function summarize(action: BulkAction, results: BulkResult[]): { level: 'info' | 'warning'; message: string } {
  const done = results.filter((result) => result.outcome === 'done').length;
  const others = results.filter((result) => result.outcome !== 'done');
  const head = `${VERBS[action].done} ${done} of ${plural(results.length)}`;
  if (others.length === 0) return { level: 'info', message: `${VERBS[action].done} ${plural(done)}` };
  const why = others
    .slice(0, 3)
    .map((result) => `${result.identity}: ${result.message ?? result.outcome}`)
    .join('; ');
  return { level: 'warning', message: `${head}. ${why}${others.length > 3 ? `; and ${others.length - 3} more` : ''}` };
}

/** Shown while bottles are selected: what they are, and what can be done to all of them. */
export function BulkBar(): JSX.Element | null {
  const stop = useAllowed('stop');
  const remove = useAllowed('remove');
  const ask = useBulkConfirm((state) => state.ask);
  if (stop.selected.length === 0) return null;
  return (
    <div className="bulk-bar" role="toolbar" aria-label="Selected bottles" data-testid="bulk-bar">
      <span className="bulk-count">{plural(stop.selected.length)} selected</span>
      <button
        type="button"
        className="button button-small"
        disabled={stop.allowed.length === 0}
        onClick={() => ask('stop')}
        title={stop.allowed.length === 0 ? 'None of them runs' : undefined}
      >
        Stop…
      </button>
      <button
        type="button"
        className="button button-small button-quiet-danger"
        disabled={remove.allowed.length === 0}
        onClick={() => ask('remove')}
      >
        Remove…
      </button>
      <span className="bulk-spacer" />
      <button type="button" className="button button-small button-quiet" onClick={() => useSelectionStore.getState().clear()}>
        Clear selection
      </button>
    </div>
  );
}

/** The confirmation, naming the count (and, for remove, offering to keep each state folder). */
export function ConfirmBulk(): JSX.Element {
  const action = useBulkConfirm((state) => state.action);
  const ask = useBulkConfirm((state) => state.ask);
  const { selected, allowed } = useAllowed(action ?? 'stop');
  const [keepState, setKeepState] = useState(false);
  const [busy, setBusy] = useState(false);
  const dialogRef = useModalDialog(action !== null, () => setKeepState(false));

  const confirm = async (): Promise<void> => {
    if (action === null) return;
    setBusy(true);
    try {
      const results = await invoke('bottles:bulk', { action, identities: allowed, keepState: action === 'remove' && keepState });
      const { level, message } = summarize(action, results);
      useUiStore.getState().notify(level, message);
      const done = new Set(results.filter((result) => result.outcome === 'done').map((result) => result.identity));
      useSelectionStore.getState().keepOnly((identity) => !done.has(identity));
    } catch (error: unknown) {
      useUiStore.getState().notify('error', `${VERBS[action].verb} failed: ${messageOf(error)}`);
    } finally {
      setBusy(false);
      ask(null);
    }
  };

  const skipped = selected.length - allowed.length;
  const verb = action === null ? '' : VERBS[action].verb;
  return (
    <dialog ref={dialogRef} className="confirm" onClose={() => ask(null)} data-testid="confirm-bulk">
      <h2>
        {verb} {plural(allowed.length)}?
      </h2>
      <p>
        {action === 'stop'
          ? 'Each bottle’s transcript (and, copied, its workspace) is saved, then its container is removed; Resume continues it.'
          : keepState
            ? 'Each container is stopped and removed; the state folders stay, so each bottle can be resumed.'
            : 'Each container is removed with its state folder: those bottles and their transcripts are gone for good.'}
      </p>
      <p className="bulk-names">
        {allowed.slice(0, 6).join(', ')}
        {allowed.length > 6 ? `, and ${allowed.length - 6} more` : ''}
      </p>
      {skipped > 0 ? (
        <p className="bulk-skipped">
          {plural(skipped)} of the selection cannot {action} now and will be left as they are.
        </p>
      ) : null}
      {action === 'remove' ? (
        <KeepStateCheckbox checked={keepState} onChange={setKeepState} label="Keep each state folder (transcript, Dockerfile, history)" />
      ) : null}
      <DialogActions
        onDismiss={() => ask(null)}
        confirm={{
          label: `${verb} ${plural(allowed.length)}`,
          busyLabel: `${verb === 'Stop' ? 'Stopping' : 'Removing'}…`,
          tone: action === 'remove' ? 'danger' : 'primary',
          busy,
          disabled: allowed.length === 0,
          onConfirm: confirm,
        }}
      />
    </dialog>
  );
}
