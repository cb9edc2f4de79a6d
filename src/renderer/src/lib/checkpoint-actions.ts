import type { CheckpointView } from '../../../shared/checkpoints';
import { invoke } from '../api/api';
import { useUiStore } from '../stores/ui-store';
import { runAction } from './bottle-actions';

/** Drops one checkpoint (by id: the row names exactly one) and says so; a failure becomes a notice. */
export function dropCheckpoint(identity: string, checkpoint: CheckpointView): Promise<boolean> {
  return runAction(`Drop of checkpoint ${checkpoint.id}`, async () => {
    await invoke('bottle:checkpoint-drop', identity, { checkpoint: checkpoint.id });
    useUiStore.getState().notify('info', `Checkpoint ${checkpoint.id} of ${identity} dropped`);
  });
}

/** Restores the stopped bottle to a checkpoint, naming the checkpoint that keeps what it replaced. */
export function restoreCheckpoint(identity: string, checkpoint: CheckpointView): Promise<boolean> {
  return runAction(`Restore of ${identity}`, async () => {
    const done = await invoke('bottle:restore', identity, { checkpoint: checkpoint.id });
    const image = done.image === 'gone' ? '; its image is gone from the engine, so the resume builds it again' : '';
    useUiStore
      .getState()
      .notify(
        'info',
        `${identity} restored to checkpoint ${checkpoint.id}; the state it had is kept as checkpoint ${done.before.id}${image}. Resume it to continue from there.`,
      );
  });
}
