import { useCallback, useEffect, useState, type JSX } from 'react';
import { actionState } from '../../../shared/allowed-actions';
import type { BottleView } from '../../../shared/bottle-view';
import type { CheckpointList, CheckpointView } from '../../../shared/checkpoints';
import { escapeControl } from '../../../shared/escape-text';
import { formatBytes } from '../../../shared/format-bytes';
import { invoke, messageOf } from '../api/api';
import { dropCheckpoint, restoreCheckpoint } from '../lib/checkpoint-actions';
import { exactTime, shortId } from '../lib/format';
import { useBottlePanelStore } from '../stores/bottle-panel-store';
import { useEngineStore } from '../stores/engine-store';
import { ConfirmCheckpoint, type CheckpointAsk } from './confirm-checkpoint';

const SOURCES: Record<CheckpointView['source'], string> = {
  running: 'running (paused for the copy)',
  exited: 'exited container',
  stopped: 'saved snapshots',
};

/** A checkpoint as a person names it: its name, else its id. */
export function checkpointLabel(checkpoint: CheckpointView): string {
  return checkpoint.name === null ? checkpoint.id : escapeControl(checkpoint.name);
}

function GitCell({ git }: { git: CheckpointView['git'] }): JSX.Element {
  if (git === null) return <span className="muted">no repository</span>;
  const changed = git.status.length === 0 ? 'clean' : `${git.status.length}${git.statusTruncated ? '+' : ''} changed`;
  return (
    <span title={git.head ?? 'unborn branch'}>
      <code>{git.head === null ? 'unborn' : shortId(git.head)}</code> {git.branch === null ? 'detached' : escapeControl(git.branch)}{' '}
      <span className="muted">({changed})</span>
    </span>
  );
}

/**
 * A bottle's checkpoints (issue 24), newest first: name, time, size, git HEAD, where the
 * copy came from. Drop and Restore each ask first; Restore waits until the bottle is stopped
 * (allowed-actions.ts says so, with the reason shown on the button).
 */
export function CheckpointsPanel({ bottle }: { bottle: BottleView }): JSX.Element {
  const { identity } = bottle;
  const [list, setList] = useState<CheckpointList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ask, setAsk] = useState<CheckpointAsk | null>(null);
  const [version, setVersion] = useState(0);
  const engineDown = useEngineStore((state) => state.status?.state === 'unavailable');
  // The checkpoint the Timeline jumped to, marked in the list.
  const focused = useBottlePanelStore((state) => state.focusedCheckpoint);
  // A checkpoint, an approval or a restore ends an activity: the list is read again then.
  const working = bottle.activity?.kind ?? null;

  useEffect(() => {
    let live = true;
    invoke('bottle:checkpoints', identity).then(
      (result) => {
        if (!live) return;
        setList(result);
        setError(null);
      },
      (failure: unknown) => live && setError(messageOf(failure)),
    );
    return () => {
      live = false;
    };
  }, [identity, version, working, bottle.status]);

  const confirm = useCallback(async (): Promise<void> => {
    if (ask === null) return;
    if (ask.kind === 'drop') await dropCheckpoint(identity, ask.checkpoint);
    else await restoreCheckpoint(identity, ask.checkpoint);
    setAsk(null);
    setVersion((value) => value + 1);
  }, [ask, identity]);

  if (error !== null) return <p className="panel-empty is-error">Could not load the checkpoints: {error}</p>;
  if (list === null) return <p className="panel-empty">Loading…</p>;
  const restore = actionState(bottle, 'restore', { engineAvailable: !engineDown });
  const checkpoints = [...list.checkpoints].reverse();
  return (
    <div className="checkpoints" data-testid="checkpoints">
      <p className="muted" data-testid="checkpoints-total">
        {list.checkpoints.length} checkpoint{list.checkpoints.length === 1 ? '' : 's'}, {formatBytes(list.totalBytes)} of{' '}
        {formatBytes(list.budgetBytes)} (maxCheckpointBytes)
      </p>
      {checkpoints.length === 0 ? (
        <p className="panel-empty">No checkpoints yet: the Checkpoint button takes one, and every approval keeps one.</p>
      ) : (
        <table className="checkpoint-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Taken</th>
              <th>Size</th>
              <th>Git HEAD</th>
              <th>From</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {checkpoints.map((checkpoint) => (
              <tr
                key={checkpoint.id}
                data-testid="checkpoint-row"
                data-id={checkpoint.id}
                data-focused={checkpoint.id === focused ? 'true' : undefined}
                className={checkpoint.id === focused ? 'checkpoint-focused' : undefined}
              >
                <td>
                  <span className="checkpoint-name">{checkpointLabel(checkpoint)}</span>
                  {checkpoint.name === null ? null : <code className="muted checkpoint-id">{checkpoint.id}</code>}
                </td>
                <td>
                  <time title={exactTime(checkpoint.at)}>{new Date(checkpoint.at).toLocaleString()}</time>
                </td>
                <td>{formatBytes(checkpoint.sizes.total)}</td>
                <td>
                  <GitCell git={checkpoint.git} />
                </td>
                <td className="muted">
                  {checkpoint.mode === 'mount' ? 'your project folder (against its start)' : SOURCES[checkpoint.source]}
                </td>
                <td className="checkpoint-actions">
                  {restore === null ? null : (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={!restore.enabled}
                      title={restore.reason ?? `Go back to this checkpoint (claude-bottle restore ${identity} ${checkpoint.id})`}
                      onClick={() => setAsk({ kind: 'restore', checkpoint })}
                    >
                      Restore
                    </button>
                  )}
                  <button
                    type="button"
                    className="button button-small button-quiet-danger"
                    onClick={() => setAsk({ kind: 'drop', checkpoint })}
                  >
                    Drop
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmCheckpoint identity={identity} ask={ask} onCancel={() => setAsk(null)} onConfirm={confirm} />
    </div>
  );
}
