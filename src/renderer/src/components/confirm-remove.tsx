import { useState, type JSX } from 'react';
import { useModalDialog } from './use-modal-dialog';
import { removeBottle } from '../lib/bottle-actions';
import { useBottle } from '../stores/bottles-store';
import { useUiStore } from '../stores/ui-store';
import { DialogActions, KeepStateCheckbox } from './dialog-actions';

/** A native modal <dialog>: focus is trapped and Esc cancels without any code of ours. */
export function ConfirmRemove(): JSX.Element {
  const identity = useUiStore((state) => state.confirmRemove);
  const askRemove = useUiStore((state) => state.askRemove);
  const bottle = useBottle(identity ?? '');
  const [keepState, setKeepState] = useState(false);
  const [busy, setBusy] = useState(false);
  const broken = bottle?.status === 'corrupt' || bottle?.status === 'orphan';
  const dialogRef = useModalDialog(identity !== null, () => setKeepState(false));

  const confirm = async (): Promise<void> => {
    if (identity === null) return;
    setBusy(true);
    await removeBottle(identity, broken ? false : keepState);
    setBusy(false);
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
      {!broken ? (
        <KeepStateCheckbox checked={keepState} onChange={setKeepState} label="Keep the state folder (transcript, Dockerfile, history)" />
      ) : null}
      <DialogActions
        onDismiss={() => askRemove(null)}
        confirm={{ label: 'Remove', busyLabel: 'Removing…', tone: 'danger', busy, onConfirm: confirm }}
      />
    </dialog>
  );
}
