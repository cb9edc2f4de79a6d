import { useEffect, type JSX } from 'react';
import type { ChangeSet } from '../../../shared/changes';
import { escapeLine } from '../../../shared/escape-text';
import { exactTime } from '../lib/format';
import { useBottle } from '../stores/bottles-store';
import { useChangesStore, useChangesView } from '../stores/changes-store';
import { ChangesActions } from './changes-actions';
import { ChangesFileDiff, ChangesFileList } from './changes-files';
import { MergeDialog } from './merge-dialog';

const SOURCES: Record<ChangeSet['source'], string> = {
  container: 'the running bottle',
  'container-archive': 'the bottle’s container',
  snapshot: 'the workspace saved when it stopped',
  folder: 'the project folder',
};

function Summary({ set }: { set: ChangeSet }): JSX.Element {
  const t = set.totals;
  const since =
    set.baseline.kind === 'git' && set.baseline.head !== null
      ? `commit ${set.baseline.head.slice(0, 12)}${set.baseline.branch !== null ? ` (${set.baseline.branch})` : ''}`
      : 'the start';
  const counts = [
    [t.added, 'added', 'added'],
    [t.modified, 'modified', 'modified'],
    [t.deleted, 'deleted', 'deleted'],
    [t.renamed, 'renamed', 'renamed'],
    [t.modeChanged, 'mode changed', 'mode-changed'],
  ] as const;
  return (
    <header className="changes-summary" data-testid="changes-summary">
      <p>
        <strong>
          {set.files.length} file{set.files.length === 1 ? '' : 's'} changed
        </strong>{' '}
        since <span title={exactTime(set.baseline.takenAt)}>{since}</span>, read from {SOURCES[set.source]}.
      </p>
      <div className="changes-counts">
        {counts
          .filter(([count]) => count > 0)
          .map(([count, label, status]) => (
            <span key={label} className={`tag change-${status}`}>
              {count} {label}
            </span>
          ))}
        {t.insertions + t.deletions > 0 ? (
          <span className="tag">
            <span className="diff-count-add">+{t.insertions}</span> <span className="diff-count-remove">−{t.deletions}</span>
          </span>
        ) : null}
        <span className="muted changes-live" title="Refreshed as the agent works">
          updated {new Date(set.computedAt).toLocaleTimeString()}
        </span>
      </div>
      {set.warnings.map((warning) => (
        <p key={warning} className="changes-note is-danger" role="alert" data-testid="changes-warning">
          {escapeLine(warning)}
        </p>
      ))}
      {set.notes.map((note) => (
        <p key={note} className="changes-note">
          {note}
        </p>
      ))}
    </header>
  );
}

/**
 * Everything one bottle's agent changed, live: a summary, Apply and Export, the changed files and
 * the selected file's diff. Self-contained: give it an identity; it watches while it is shown.
 */
export function ChangesView({ identity }: { identity: string }): JSX.Element {
  const bottle = useBottle(identity);
  const view = useChangesView(identity);

  useEffect(() => {
    useChangesStore.getState().open(identity);
    return () => useChangesStore.getState().close(identity);
  }, [identity]);

  if (view.set === null) {
    return view.error !== null ? (
      <p className="panel-empty is-error" role="alert" data-testid="changes-error">
        Could not read the changes: {view.error}
      </p>
    ) : (
      <p className="panel-empty" role="status">
        Reading the workspace…
      </p>
    );
  }
  const { set } = view;
  const file = set.files.find((candidate) => candidate.path === view.selected) ?? null;
  return (
    <div className="changes" data-testid="changes-view">
      <Summary set={set} />
      {view.error !== null ? (
        <p className="changes-error" role="alert">
          The last refresh failed: {view.error}
        </p>
      ) : null}
      <ChangesActions identity={identity} set={set} bottle={bottle} />
      {set.files.length === 0 ? (
        <p className="panel-empty">The agent has not changed anything yet.</p>
      ) : (
        <div className="changes-body">
          <ChangesFileList identity={identity} files={set.files} />
          {file !== null ? <ChangesFileDiff identity={identity} set={set} file={file} /> : null}
        </div>
      )}
      <MergeDialog identity={identity} />
    </div>
  );
}
