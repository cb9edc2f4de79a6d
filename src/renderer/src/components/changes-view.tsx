import { useEffect, useState, type JSX } from 'react';
import type { ChangeSet } from '../../../shared/changes';
import { escapeLine } from '../../../shared/escape-text';
import { exactTime } from '../lib/format';
import { useBottle } from '../stores/bottles-store';
import { useChangesStore, useChangesView } from '../stores/changes-store';
import { ChangesActions } from './changes-actions';
import { ChangesFileDiff, ChangesFileList } from './changes-files';
import { ChangesSince, lastApplyTime } from './changes-since';
import { CompareView } from './compare-view';
import { CompareWith } from './compare-with';
import { MergeDialog } from './merge-dialog';

const SOURCES: Record<ChangeSet['source'], string> = {
  container: 'the running bottle',
  'container-archive': 'the bottle’s container',
  snapshot: 'the workspace saved when it stopped',
  folder: 'the project folder',
};

function Summary({ identity, set }: { identity: string; set: ChangeSet }): JSX.Element {
  const t = set.totals;
  const sinceApply = set.since === 'apply' && set.lastApply !== null;
  const since = sinceApply
    ? `the last apply at ${lastApplyTime(set)}`
    : set.baseline.kind === 'git' && set.baseline.head !== null
      ? `commit ${set.baseline.head.slice(0, 12)}${set.baseline.branch !== null ? ` (${set.baseline.branch})` : ''}`
      : 'the start';
  const sinceTitle = sinceApply ? exactTime(set.lastApply?.at ?? '') : exactTime(set.baseline.takenAt);
  const counts = [
    [t.added, 'added', 'added'],
    [t.modified, 'modified', 'modified'],
    [t.deleted, 'deleted', 'deleted'],
    [t.renamed, 'renamed', 'renamed'],
    [t.modeChanged, 'mode changed', 'mode-changed'],
  ] as const;
  return (
    <header className="changes-summary" data-testid="changes-summary">
      <ChangesSince identity={identity} set={set} />
      <p>
        <strong>
          {set.files.length} file{set.files.length === 1 ? '' : 's'} {sinceApply ? 'new' : 'changed'}
        </strong>{' '}
        since <span title={sinceTitle}>{since}</span>, read from {SOURCES[set.source]}.
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

/** No changes: none at all, or (new since last apply) none since it, with the way back to all of them. */
function EmptyChanges({ identity, set }: { identity: string; set: ChangeSet }): JSX.Element {
  const setSince = useChangesStore((state) => state.setSince);
  if (set.since !== 'apply' || set.lastApply === null) return <p className="panel-empty">The agent has not changed anything yet.</p>;
  return (
    <div className="panel-empty" data-testid="changes-none-since-apply">
      <p>Nothing new since the last apply at {lastApplyTime(set)}.</p>
      {set.sinceCounts.start > 0 ? (
        <button type="button" className="button button-small" onClick={() => setSince(identity, 'start')}>
          Show all {set.sinceCounts.start} change{set.sinceCounts.start === 1 ? '' : 's'} since start
        </button>
      ) : null}
    </div>
  );
}

/**
 * Everything one bottle's agent changed, live: a summary, Apply and Export, the changed files and
 * the selected file's diff. Self-contained: give it an identity; it watches while it is shown.
 */
export function ChangesView({ identity }: { identity: string }): JSX.Element {
  const bottle = useBottle(identity);
  const view = useChangesView(identity);
  // The bottle compared with, for this bottle only: another bottle's view starts on its own changes.
  const [comparing, setComparing] = useState<{ identity: string; against: string } | null>(null);
  const against = comparing?.identity === identity ? comparing.against : null;
  const picker = (
    <CompareWith
      identity={identity}
      against={against}
      onPick={(next) => setComparing(next === null ? null : { identity, against: next })}
    />
  );

  useEffect(() => {
    useChangesStore.getState().open(identity);
    return () => useChangesStore.getState().close(identity);
  }, [identity]);

  if (against !== null)
    return (
      <div className="changes" data-testid="changes-view">
        {picker}
        <CompareView key={against} identity={identity} against={against} />
      </div>
    );
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
      {picker}
      <Summary identity={identity} set={set} />
      {view.error !== null ? (
        <p className="changes-error" role="alert">
          The last refresh failed: {view.error}
        </p>
      ) : null}
      <ChangesActions identity={identity} set={set} bottle={bottle} />
      {set.files.length === 0 ? (
        <EmptyChanges identity={identity} set={set} />
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
