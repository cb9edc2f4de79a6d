import { useEffect, useState, type JSX } from 'react';
import type { CheckpointView } from '../../../shared/checkpoints';
import { escapeLine } from '../../../shared/escape-text';
import { formatBytes } from '../../../shared/format-bytes';
import { MAX_FORK_COUNT } from '../../../shared/forks';
import { invoke, messageOf } from '../api/api';
import { runAction } from '../lib/bottle-actions';
import { bottleNameProblem, launchExtras, taskTextProblem } from '../lib/launch-fields';
import { useBottle } from '../stores/bottles-store';
import { useUiStore } from '../stores/ui-store';
import { DialogActions } from './dialog-actions';
import { useModalDialog } from './use-modal-dialog';

/** The value of the "From" choice that takes a new checkpoint now. */
const NEW_CHECKPOINT = '';

/** The bottle's checkpoints, newest first, asked each time the dialog opens; null while asking. */
function useCheckpoints(identity: string | null): { list: CheckpointView[] | null; problem: string | null } {
  const [answer, setAnswer] = useState<{ identity: string; list: CheckpointView[]; problem: string | null } | null>(null);
  useEffect(() => {
    if (identity === null) return;
    let live = true;
    invoke('bottle:checkpoints', identity).then(
      (list) => live && setAnswer({ identity, list: [...list.checkpoints].reverse(), problem: null }),
      (error: unknown) => live && setAnswer({ identity, list: [], problem: messageOf(error) }),
    );
    return () => {
      live = false;
      setAnswer(null);
    };
  }, [identity]);
  return answer?.identity === identity ? answer : { list: null, problem: null };
}

function checkpointLabel(checkpoint: CheckpointView, latest: boolean): string {
  const name = checkpoint.name === null ? '' : ` “${escapeLine(checkpoint.name)}”`;
  return `${latest ? 'Latest: ' : ''}${checkpoint.at.slice(0, 19).replace('T', ' ')} UTC${name} (${formatBytes(checkpoint.sizes.total)})`;
}

/**
 * Fork (issue 24): new bottles from a checkpoint of this one (a new one taken now, or one picked
 * from its list), how many, their name and their first instruction, each field checked as the
 * `bottle:fork` schema checks it. A native modal <dialog>: Esc cancels.
 */
export function ForkDialog(): JSX.Element {
  const identity = useUiStore((state) => state.forkDialog);
  const askFork = useUiStore((state) => state.askFork);
  const mounted = useBottle(identity ?? '')?.copyCwd === false;
  const [from, setFrom] = useState(NEW_CHECKPOINT);
  const [count, setCount] = useState(1);
  const [name, setName] = useState('');
  const [task, setTask] = useState('');
  const [busy, setBusy] = useState(false);
  const dialogRef = useModalDialog(identity !== null, () => {
    setFrom(NEW_CHECKPOINT);
    setCount(1);
    setName('');
    setTask('');
  });
  const checkpoints = useCheckpoints(identity);
  const nameProblem = bottleNameProblem(name.trim());
  const taskProblem = taskTextProblem(task);
  const countProblem = Number.isInteger(count) && count >= 1 && count <= MAX_FORK_COUNT ? null : `1 to ${MAX_FORK_COUNT}.`;

  const fork = async (): Promise<void> => {
    if (identity === null) return;
    setBusy(true);
    await runAction(`Fork of ${identity}`, async () => {
      const result = await invoke('bottle:fork', identity, {
        ...(from === NEW_CHECKPOINT ? {} : { from }),
        count,
        ...launchExtras(name, task),
      });
      const made = result.forks.map((made) => made.name ?? made.identity).join(', ');
      useUiStore.getState().notify('info', `Forked ${identity} at checkpoint ${result.checkpoint.id}: ${made}`);
    });
    setBusy(false);
    askFork(null);
  };

  return (
    <dialog ref={dialogRef} className="confirm fork-dialog" onClose={() => askFork(null)} data-testid="fork-dialog">
      <h2>Fork {identity}</h2>
      {mounted ? (
        <p data-testid="fork-mount-note">
          This bottle works in your project folder itself; its forks will be <strong>copies</strong>: each new bottle gets its own copy of
          the folder as it was at the checkpoint and continues the conversation on its own. Your folder is not touched; Apply brings a
          fork&rsquo;s work back.
        </p>
      ) : (
        <p>
          New bottles from a checkpoint of this one: each gets a copy of its workspace and continues its conversation on its own. This
          bottle is only paused while a new checkpoint is copied.
        </p>
      )}
      <label className="field">
        <span className="field-label">From</span>
        <select value={from} onChange={(event) => setFrom(event.target.value)} data-testid="fork-from">
          <option value={NEW_CHECKPOINT}>A new checkpoint, taken now</option>
          {(checkpoints.list ?? []).map((checkpoint, index) => (
            <option key={checkpoint.id} value={checkpoint.id}>
              {checkpointLabel(checkpoint, index === 0)}
            </option>
          ))}
        </select>
      </label>
      {checkpoints.problem !== null ? <p className="muted">Could not list its checkpoints: {checkpoints.problem}</p> : null}
      <div className="fork-row">
        <label className="field fork-count">
          <span className="field-label">How many</span>
          <input
            type="number"
            min={1}
            max={MAX_FORK_COUNT}
            value={count}
            onChange={(event) => setCount(Number(event.target.value))}
            aria-invalid={countProblem !== null}
            data-testid="fork-count"
          />
          {countProblem !== null ? <span className="field-problem">{countProblem}</span> : null}
        </label>
        <label className="field fork-name">
          <span className="field-label">Name (optional)</span>
          <input
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="try-b"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={nameProblem !== null}
            data-testid="fork-name"
          />
          {nameProblem !== null ? <span className="field-problem">{nameProblem}</span> : null}
        </label>
      </div>
      <label className="field">
        <span className="field-label">First instruction (optional)</span>
        <textarea
          rows={2}
          spellCheck
          placeholder="What each fork should try, e.g. Try the approach with a cache"
          value={task}
          onChange={(event) => setTask(event.target.value)}
          aria-invalid={taskProblem !== null}
          data-testid="fork-task"
        />
        {taskProblem !== null ? <span className="field-problem">{taskProblem}</span> : null}
      </label>
      <DialogActions
        onDismiss={() => askFork(null)}
        confirm={{
          label: count > 1 ? `Fork ${count}` : 'Fork',
          busyLabel: 'Forking…',
          tone: 'primary',
          busy,
          disabled: nameProblem !== null || taskProblem !== null || countProblem !== null || checkpoints.list === null,
          onConfirm: fork,
          testId: 'fork-confirm',
        }}
      />
    </dialog>
  );
}
