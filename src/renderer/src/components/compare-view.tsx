import { lazy, Suspense, useCallback, useEffect, useState, type JSX } from 'react';
import { COMPARE_SOURCES, type BottleComparison, type ComparedFile } from '../../../shared/bottle-compare';
import { escapeLine } from '../../../shared/escape-text';
import { invoke, messageOf } from '../api/api';
import { openBottle } from '../lib/bottle-panel-actions';
import { useBottlesStore } from '../stores/bottles-store';
import { DiffView } from './diff-view';

// CodeMirror is large: its own chunk, loaded when a diff is first shown (as the Changes view does).
const CodeDiff = lazy(() => import('./code-diff'));

const STATUS: Record<ComparedFile['status'], { letter: string; label: (here: string, there: string) => string; css: string }> = {
  differs: { letter: 'M', label: () => 'differs', css: 'modified' },
  'only-here': { letter: '<', label: (here) => `only in ${here}`, css: 'deleted' },
  'only-there': { letter: '>', label: (_here, there) => `only in ${there}`, css: 'added' },
};

type Loaded = { key: string; result: BottleComparison | null; error: string | null };

function useComparison(identity: string, against: string, round: number): Loaded | null {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const key = `${identity}\n${against}\n${round}`;
  useEffect(() => {
    let live = true;
    invoke('changes:compare', identity, { against }).then(
      (result) => live && setLoaded({ key, result, error: null }),
      (error: unknown) => live && setLoaded({ key, result: null, error: messageOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [key, identity, against]);
  return loaded?.key === key ? loaded : null;
}

function FileSides({ file, result }: { file: ComparedFile; result: BottleComparison }): JSX.Element {
  const noLine = useCallback(() => undefined, []);
  const plain = file.diff !== null ? <DiffView diff={file.diff} label={`Diff of ${escapeLine(file.path)}`} /> : null;
  const symlink = file.hereKind === 'symlink' || file.thereKind === 'symlink';
  return (
    <section className="changes-diff" aria-label={`${escapeLine(file.path)} in both bottles`} data-testid="compare-diff">
      <header className="changes-diff-head">
        <h3>{escapeLine(file.path)}</h3>
        <span className="muted">{STATUS[file.status].label(result.identity, result.against)}</span>
      </header>
      <p className="compare-sides muted">
        <span>left: {result.identity}</span>
        <span>right: {result.against}</span>
      </p>
      {symlink ? (
        <p className="changes-note">
          Symlink: {file.hereTarget === null ? '(none)' : escapeLine(file.hereTarget)} →{' '}
          {file.thereTarget === null ? '(none)' : escapeLine(file.thereTarget)}
        </p>
      ) : null}
      {file.note !== null ? <p className="changes-note is-info">{file.note}</p> : null}
      {file.hereText !== null || file.thereText !== null ? (
        <Suspense fallback={plain}>
          <CodeDiff path={file.path} before={file.hereText ?? ''} after={file.thereText ?? ''} layout="split" onLine={noLine} />
        </Suspense>
      ) : (
        plain
      )}
    </section>
  );
}

/**
 * This bottle's workspace against another's (issue 24), file by file: the files that differ and
 * those only in one, each side by side (left: this bottle, right: the other). Read once when
 * opened; Refresh reads again. Apply and Export stay each bottle's own.
 */
export function CompareView({ identity, against }: { identity: string; against: string }): JSX.Element {
  const [round, setRound] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const loaded = useComparison(identity, against, round);
  const otherView = useBottlesStore((state) => state.byIdentity[against]);
  if (loaded === null)
    return (
      <p className="panel-empty" role="status">
        Reading both workspaces…
      </p>
    );
  if (loaded.result === null)
    return (
      <p className="panel-empty is-error" role="alert" data-testid="compare-error">
        Could not compare: {loaded.error}
      </p>
    );
  const result = loaded.result;
  const t = result.totals;
  const file = result.files.find((candidate) => candidate.path === selected) ?? result.files[0] ?? null;
  return (
    <div className="compare" data-testid="compare-view">
      <header className="changes-summary">
        <p>
          <strong>
            {result.files.length === 0
              ? 'The two workspaces hold the same files.'
              : `${result.files.length} file${result.files.length === 1 ? '' : 's'} differ`}
          </strong>{' '}
          between {result.identity} (left, read from {COMPARE_SOURCES[result.hereSource]}) and {result.against} (right, read from{' '}
          {COMPARE_SOURCES[result.thereSource]}).
        </p>
        <div className="changes-counts">
          {t.differs > 0 ? <span className="tag change-modified">{t.differs} in both, different</span> : null}
          {t.onlyHere > 0 ? <span className="tag change-deleted">{t.onlyHere} only here</span> : null}
          {t.onlyThere > 0 ? (
            <span className="tag change-added">
              {t.onlyThere} only in {result.against}
            </span>
          ) : null}
          <button
            type="button"
            className="button button-small"
            onClick={() => setRound((value) => value + 1)}
            data-testid="compare-refresh"
          >
            Refresh
          </button>
        </div>
        <p className="changes-note is-info" data-testid="compare-apply-note">
          Apply and Export stay each bottle’s own: to bring the version that wins into the project folder, use the Apply or Export of the
          bottle that holds it{' '}
          <button
            type="button"
            className="button button-small"
            disabled={otherView === undefined}
            onClick={() => openBottle(otherView, against, 'changes')}
          >
            Open {against}
          </button>
        </p>
      </header>
      {file !== null ? (
        <div className="changes-body">
          <ul className="changes-files" role="listbox" aria-label="Files that differ" data-testid="compare-files">
            {result.files.map((entry) => (
              <li
                key={entry.path}
                role="option"
                aria-selected={entry.path === file.path}
                className={`changes-file ${entry.path === file.path ? 'is-selected' : ''}`}
                onClick={() => setSelected(entry.path)}
                data-path={entry.path}
                data-status={entry.status}
              >
                <span
                  className={`change-badge change-${STATUS[entry.status].css}`}
                  title={STATUS[entry.status].label(result.identity, result.against)}
                >
                  {STATUS[entry.status].letter}
                </span>
                <span className="changes-file-path" title={escapeLine(entry.path)}>
                  {escapeLine(entry.path)}
                </span>
                <span className="changes-file-tags">
                  {entry.binary ? <span className="tag">binary</span> : null}
                  {entry.insertions > 0 ? <span className="diff-count-add">+{entry.insertions}</span> : null}
                  {entry.deletions > 0 ? <span className="diff-count-remove">−{entry.deletions}</span> : null}
                </span>
              </li>
            ))}
          </ul>
          <FileSides file={file} result={result} />
        </div>
      ) : null}
    </div>
  );
}
