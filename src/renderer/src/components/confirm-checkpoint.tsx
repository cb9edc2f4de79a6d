import { useState, type JSX } from 'react';
import type { CheckpointView } from '../../../shared/checkpoints';
import { formatBytes } from '../../../shared/format-bytes';
import { DialogActions } from './dialog-actions';
import { useModalDialog } from './use-modal-dialog';

/** What the operator is asked to confirm: dropping a checkpoint, or going back to it. */
export interface CheckpointAsk {
  kind: 'drop' | 'restore';
  checkpoint: CheckpointView;
}

function labelOf(checkpoint: CheckpointView): string {
  return checkpoint.name ?? checkpoint.id;
}

/** A native modal <dialog> naming what Drop or Restore does before it is done. */
export function ConfirmCheckpoint({
  identity,
  ask,
  onCancel,
  onConfirm,
}: {
  identity: string;
  ask: CheckpointAsk | null;
  onCancel: () => void;
  onConfirm: () => Promise<void>;
}): JSX.Element {
  const [busy, setBusy] = useState(false);
  const dialogRef = useModalDialog(ask !== null);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
    }
  };
  const label = ask === null ? '' : labelOf(ask.checkpoint);
  return (
    <dialog ref={dialogRef} className="confirm" onClose={onCancel} data-testid="confirm-checkpoint">
      {ask?.kind === 'restore' ? (
        <>
          <h2>
            Restore {identity} to “{label}”?
          </h2>
          {ask.checkpoint.mode === 'mount' ? (
            <p data-testid="confirm-restore-mount">
              This writes your project folder: it is made equal to the bottle&apos;s start plus this checkpoint (its files written, the
              files changed since put back, the ones it had deleted removed), and its transcript and Dockerfile come back. The current state
              is kept as a checkpoint (“before restore of {label}”) holding every file this overwrites, so nothing is lost: restoring that
              one undoes this.
            </p>
          ) : (
            <p>
              Its next resume starts from this checkpoint: its workspace, transcript, Dockerfile and image replace the ones the bottle has
              now. The current state is kept as a checkpoint (“before restore of {label}”), so nothing is lost: restoring that one undoes
              this.
            </p>
          )}
        </>
      ) : (
        <>
          <h2>Drop checkpoint “{label}”?</h2>
          <p>
            Its saved workspace, transcript and Dockerfile ({ask === null ? '' : formatBytes(ask.checkpoint.sizes.total)}) are deleted for
            good. The bottle itself is not changed.
          </p>
        </>
      )}
      <DialogActions
        onDismiss={onCancel}
        confirm={{
          label: ask?.kind === 'restore' ? 'Restore' : 'Drop',
          busyLabel: ask?.kind === 'restore' ? 'Restoring…' : 'Dropping…',
          tone: ask?.kind === 'restore' ? 'primary' : 'danger',
          busy,
          onConfirm: confirm,
          testId: 'confirm-checkpoint-action',
        }}
      />
    </dialog>
  );
}
