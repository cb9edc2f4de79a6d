import { useEffect, useState, type JSX } from 'react';
import { describeUnapplied, type UnappliedWork } from '../../../shared/changes';
import { invoke, messageOf } from '../api/api';
import { useModalDialog } from './use-modal-dialog';
import { removeBottle } from '../lib/bottle-actions';
import { useBottle } from '../stores/bottles-store';
import { useBottlePanelStore } from '../stores/bottle-panel-store';
import { useUiStore } from '../stores/ui-store';
import { DialogActions, KeepStateCheckbox } from './dialog-actions';

/** What the dialog knows of the bottle's work not yet applied: still asking, none, some, or the question failed. */
type Unapplied = { kind: 'asking' } | { kind: 'none' } | { kind: 'some'; work: UnappliedWork } | { kind: 'unknown'; message: string };

/** Copy mode: asks the core what a remove would lose, each time the dialog opens on a bottle. */
function useUnapplied(identity: string | null, copyMode: boolean): Unapplied {
  // The answer and the bottle it is about: an answer for another bottle (or an earlier opening) is still asking.
  const [answer, setAnswer] = useState<{ identity: string; value: Unapplied } | null>(null);
  const ask = identity !== null && copyMode;
  useEffect(() => {
    if (!ask) return;
    let live = true;
    invoke('changes:unapplied', identity).then(
      (work) => live && setAnswer({ identity, value: work === null ? { kind: 'none' } : { kind: 'some', work } }),
      (error: unknown) => live && setAnswer({ identity, value: { kind: 'unknown', message: messageOf(error) } }),
    );
    return () => {
      live = false;
      setAnswer(null);
    };
  }, [identity, ask]);
  if (!ask) return { kind: 'none' };
  return answer?.identity === identity ? answer.value : { kind: 'asking' };
}

/** A native modal <dialog>: focus is trapped and Esc cancels without any code of ours. */
export function ConfirmRemove(): JSX.Element {
  const identity = useUiStore((state) => state.confirmRemove);
  const askRemove = useUiStore((state) => state.askRemove);
  const bottle = useBottle(identity ?? '');
  const [keepState, setKeepState] = useState(false);
  const [busy, setBusy] = useState(false);
  const broken = bottle?.status === 'corrupt' || bottle?.status === 'orphan';
  const dialogRef = useModalDialog(identity !== null, () => setKeepState(false));
  const unapplied = useUnapplied(identity, !broken && bottle?.copyCwd === true);
  const losesWork = !keepState && unapplied.kind === 'some';

  const confirm = async (): Promise<void> => {
    if (identity === null) return;
    setBusy(true);
    // The operator has seen what is not applied: the core would refuse otherwise.
    await removeBottle(identity, broken ? false : keepState, losesWork);
    setBusy(false);
    askRemove(null);
  };
  const openChanges = (): void => {
    if (identity === null) return;
    useBottlePanelStore.getState().open(identity, 'changes');
    askRemove(null);
  };

  return (
    <dialog ref={dialogRef} className="confirm" onClose={() => askRemove(null)} data-testid="confirm-remove">
      <h2>Remove {identity}?</h2>
      <p>
        {broken
          ? 'This deletes what is left of the bottle (its container and state folder), so the list is clean again.'
          : 'The container is stopped and removed. Without its state folder, the bottle and its transcript are gone for good.'}
      </p>
      {unapplied.kind === 'some' ? (
        <p className="confirm-warning" role="alert" data-testid="remove-unapplied">
          The agent’s work is not all in your project folder: {describeUnapplied(unapplied.work)}. Removing the bottle loses it. Apply or
          export it first from Changes.{' '}
          <button type="button" className="button" onClick={openChanges} data-testid="remove-open-changes">
            Open Changes
          </button>
        </p>
      ) : null}
      {unapplied.kind === 'asking' ? <p className="muted">Checking for work not yet applied…</p> : null}
      {unapplied.kind === 'unknown' ? <p className="muted">Could not tell whether work is unapplied: {unapplied.message}</p> : null}
      {!broken ? (
        <KeepStateCheckbox checked={keepState} onChange={setKeepState} label="Keep the state folder (transcript, Dockerfile, history)" />
      ) : null}
      <DialogActions
        onDismiss={() => askRemove(null)}
        confirm={{
          label: losesWork ? 'Remove and lose it' : 'Remove',
          busyLabel: 'Removing…',
          tone: 'danger',
          busy,
          disabled: unapplied.kind === 'asking',
          onConfirm: confirm,
        }}
      />
    </dialog>
  );
}
