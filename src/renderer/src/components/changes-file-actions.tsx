import type { JSX } from 'react';
import { isBusy } from '../../../shared/allowed-actions';
import type { ChangeSet, FileChange } from '../../../shared/changes';
import { escapeLine } from '../../../shared/escape-text';
import { useBottle } from '../stores/bottles-store';
import { useChangesStore, useChangesView } from '../stores/changes-store';

/**
 * Per-file Apply (the whole apply's rules, for this change alone) and Discard (this change undone
 * in the bottle, after a confirmation), beside the file's diff.
 */
export function ChangesFileActions({ identity, set, file }: { identity: string; set: ChangeSet; file: FileChange }): JSX.Element | null {
  const view = useChangesView(identity);
  const bottle = useBottle(identity);
  const { applyFile, askDiscard, discardFile, openMerge } = useChangesStore.getState();
  if (set.mode !== 'copy') return null;
  const busy = view.busy !== null || (bottle !== undefined && isBusy(bottle));
  const applyBlocked = file.applied ? 'The project folder already holds this version' : null;
  const discardBlocked = set.source !== 'container' ? 'Start the bottle to discard a change in its workspace' : null;
  const name = escapeLine(file.path);
  const confirming = view.confirmDiscard === file.path;
  return (
    <div className="file-actions" role="group" aria-label={`Actions on ${name}`}>
      {file.conflict ? (
        <button
          type="button"
          className="button button-small button-primary"
          disabled={busy}
          title={`You changed ${name} too: merge your version and the agent’s`}
          onClick={() => openMerge(identity, file.path)}
          data-testid="resolve-file"
        >
          Resolve…
        </button>
      ) : null}
      <button
        type="button"
        className="button button-small"
        disabled={busy || applyBlocked !== null}
        title={applyBlocked ?? `Apply ${name} alone to the project folder (your own changes there are never overwritten)`}
        onClick={() => void applyFile(identity, file.path)}
        data-testid="apply-file"
      >
        {view.busy === 'applying-file' ? 'Applying…' : 'Apply this file'}
      </button>
      {confirming ? (
        <span className="file-discard-confirm" role="alertdialog" aria-label={`Discard ${name}?`} data-testid="discard-confirm">
          <span>
            Undo the agent’s change to <code>{name}</code> in the bottle? The project folder is not touched.
          </span>
          <button
            type="button"
            className="button button-small button-danger"
            disabled={busy}
            onClick={() => void discardFile(identity, file.path)}
            autoFocus
            data-testid="discard-file-confirm"
          >
            {view.busy === 'discarding' ? 'Discarding…' : 'Discard'}
          </button>
          <button type="button" className="button button-small" disabled={busy} onClick={() => askDiscard(identity, null)}>
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          className="button button-small"
          disabled={busy || discardBlocked !== null}
          title={discardBlocked ?? `Put ${name} back as it was when the bottle started, in the bottle`}
          onClick={() => askDiscard(identity, file.path)}
          data-testid="discard-file"
        >
          Discard…
        </button>
      )}
    </div>
  );
}
