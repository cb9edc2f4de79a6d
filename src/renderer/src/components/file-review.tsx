import { lazy, Suspense, useCallback, useEffect, useState, type JSX } from 'react';
import type { FileChange } from '../../../shared/changes';
import { invoke, messageOf } from '../api/api';
import { escapeLine } from '../../../shared/escape-text';
import { diffSides, type DiffSides } from '../lib/diff-sides';
import type { DiffLayout } from './code-diff';
import { DiffView } from './diff-view';
import { ReviewComment } from './review-comment';

// CodeMirror is large: its own chunk, loaded when a diff is first shown.
const CodeDiff = lazy(() => import('./code-diff'));

/** Both versions of a text file, or why the plain diff is shown instead. */
function useSides(identity: string, file: FileChange, diff: string | null): { sides: DiffSides | null; note: string | null } {
  const [result, setResult] = useState<{ key: string; sides: DiffSides | null; note: string | null } | null>(null);
  const key = `${identity}\n${file.path}\n${file.oid ?? ''}\n${diff ?? ''}`;
  const usable = diff !== null && diff !== '' && !file.binary && !file.truncated && file.kind !== 'symlink';
  useEffect(() => {
    if (!usable) return;
    let live = true;
    const read = async (): Promise<{ sides: DiffSides | null; note: string | null }> => {
      if (file.kind === null) return { sides: diffSides(diff, ''), note: null };
      const detail = await invoke('changes:file', identity, { path: file.path, view: 'content' });
      if (detail.text === null || detail.truncated) return { sides: null, note: detail.note };
      return { sides: diffSides(diff, detail.text), note: null };
    };
    read()
      .then((next) => live && setResult({ key, ...next }))
      .catch((error: unknown) => live && setResult({ key, sides: null, note: `Could not read the file: ${messageOf(error)}` }));
    return () => {
      live = false;
    };
  }, [usable, key, identity, file.path, file.kind, diff]);
  return usable && result?.key === key ? result : { sides: null, note: null };
}

/**
 * One file's diff for review: side by side or unified (CodeMirror's merge view), falling back to
 * the plain diff while the file loads or when it cannot be rebuilt; and a Comment box that sends a
 * note on the file or a line to the agent.
 */
export function FileReview({ identity, file, diff }: { identity: string; file: FileChange; diff: string | null }): JSX.Element {
  const [layout, setLayout] = useState<DiffLayout>('split');
  // The line belongs to the file it was picked in: another file starts with a comment on the whole file.
  const [picked, setPicked] = useState<{ path: string; line: number | null }>({ path: file.path, line: null });
  const line = picked.path === file.path ? picked.line : null;
  const path = file.path;
  const setLine = useCallback((next: number | null) => setPicked({ path, line: next }), [path]);
  const { sides, note } = useSides(identity, file, diff);
  const plain = diff !== null && diff !== '' ? <DiffView diff={diff} label={`Diff of ${escapeLine(file.path)}`} /> : null;
  return (
    <>
      {sides !== null ? (
        <div className="diff-layout" role="group" aria-label="Diff layout">
          {(['split', 'unified'] as const).map((choice) => (
            <button
              key={choice}
              type="button"
              className={`button button-small ${layout === choice ? 'button-primary' : ''}`}
              aria-pressed={layout === choice}
              onClick={() => setLayout(choice)}
              data-testid={`diff-layout-${choice}`}
            >
              {choice === 'split' ? 'Side by side' : 'Unified'}
            </button>
          ))}
        </div>
      ) : null}
      {note !== null ? <p className="changes-note">{note}</p> : null}
      {sides !== null ? (
        <Suspense fallback={plain}>
          <CodeDiff path={file.path} before={sides.before} after={sides.after} layout={layout} onLine={setLine} />
        </Suspense>
      ) : (
        plain
      )}
      <ReviewComment identity={identity} path={file.path} line={line} onLine={setLine} />
    </>
  );
}
