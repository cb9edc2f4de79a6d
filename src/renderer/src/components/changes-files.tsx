import { useEffect, useRef, type JSX, type KeyboardEvent } from 'react';
import type { ChangeSet, ChangeStatus, FileChange } from '../../../shared/changes';
import { useChangesStore, useChangesView } from '../stores/changes-store';
import { ChangesFileActions } from './changes-file-actions';
import { FileReview } from './file-review';
import { escapeLine } from '../../../shared/escape-text';

const STATUS: Record<ChangeStatus, { letter: string; label: string }> = {
  added: { letter: 'A', label: 'added' },
  modified: { letter: 'M', label: 'modified' },
  deleted: { letter: 'D', label: 'deleted' },
  renamed: { letter: 'R', label: 'renamed' },
  'mode-changed': { letter: 'T', label: 'mode changed' },
};

function octal(mode: number | null): string {
  return mode === null ? '—' : mode.toString(8).padStart(3, '0');
}

function rowId(identity: string, index: number): string {
  return `changes-${identity}-file-${index}`;
}

/** Every changed file; arrow keys move through them, the selected one's diff shows below. */
export function ChangesFileList({ identity, files }: { identity: string; files: FileChange[] }): JSX.Element {
  const selected = useChangesView(identity).selected;
  const select = useChangesStore((state) => state.select);
  const listRef = useRef<HTMLUListElement>(null);
  const index = files.findIndex((file) => file.path === selected);

  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const onKey = (event: KeyboardEvent<HTMLUListElement>): void => {
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: files.length - 1 };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const file = files[Math.max(0, Math.min(files.length - 1, next))];
    if (file !== undefined) select(identity, file.path);
  };

  return (
    <ul
      ref={listRef}
      className="changes-files"
      role="listbox"
      tabIndex={0}
      aria-label="Changed files"
      aria-activedescendant={index >= 0 ? rowId(identity, index) : undefined}
      onKeyDown={onKey}
      data-testid="changes-files"
    >
      {files.map((file, i) => (
        <li
          key={file.path}
          id={rowId(identity, i)}
          role="option"
          aria-selected={file.path === selected}
          className={`changes-file ${file.path === selected ? 'is-selected' : ''}`}
          onClick={() => select(identity, file.path)}
          data-path={file.path}
          data-status={file.status}
        >
          <span className={`change-badge change-${file.status}`} title={STATUS[file.status].label} aria-label={STATUS[file.status].label}>
            {STATUS[file.status].letter}
          </span>
          <span
            className="changes-file-path"
            title={file.oldPath === null ? escapeLine(file.path) : `${escapeLine(file.oldPath)} → ${escapeLine(file.path)}`}
          >
            {file.oldPath !== null ? <span className="muted">{escapeLine(file.oldPath)} → </span> : null}
            {escapeLine(file.path)}
          </span>
          <span className="changes-file-tags">
            {file.applied ? <span className="tag tag-ok">applied</span> : null}
            {file.conflict ? (
              <span className="tag tag-warn" title="You changed this file in the project folder too: resolve it">
                conflict
              </span>
            ) : null}
            {file.binary ? <span className="tag">binary</span> : null}
            {file.kind === 'symlink' ? <span className="tag">symlink</span> : null}
            {file.insertions > 0 ? <span className="diff-count-add">+{file.insertions}</span> : null}
            {file.deletions > 0 ? <span className="diff-count-remove">−{file.deletions}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** One file's change: what kind, its mode and link, and its diff (the whole one on demand). */
export function ChangesFileDiff({ identity, set, file }: { identity: string; set: ChangeSet; file: FileChange }): JSX.Element {
  const view = useChangesView(identity);
  const loadWhole = useChangesStore((state) => state.loadWhole);
  const whole = view.whole[file.path];
  const diff = whole?.text ?? file.diff;
  return (
    <section className="changes-diff" aria-label={`Changes in ${escapeLine(file.path)}`} data-testid="changes-diff">
      <header className="changes-diff-head">
        <h3>{escapeLine(file.path)}</h3>
        <span className="muted">
          {STATUS[file.status].label}
          {file.oldPath !== null ? ` from ${escapeLine(file.oldPath)}` : ''}
          {file.mode !== null && file.oldMode !== null && file.mode !== file.oldMode
            ? ` · mode ${octal(file.oldMode)} → ${octal(file.mode)}`
            : ''}
          {file.size !== null ? ` · ${file.size.toLocaleString()} bytes` : ''}
        </span>
        <ChangesFileActions identity={identity} set={set} file={file} />
      </header>
      {file.kind === 'symlink' || file.oldKind === 'symlink' ? (
        <p className="changes-note">
          Symlink: {file.oldLinkTarget === null ? '(none)' : escapeLine(file.oldLinkTarget)} →{' '}
          {file.linkTarget === null ? '(none)' : escapeLine(file.linkTarget)}
        </p>
      ) : null}
      {(whole?.note ?? file.note) !== null ? (
        <p className={`changes-note ${file.binary || file.kind === 'symlink' ? 'is-info' : ''}`} data-testid="changes-note">
          {whole?.note ?? file.note}
        </p>
      ) : null}
      <FileReview identity={identity} file={file} diff={diff} />
      {file.truncated && whole === undefined ? (
        <button
          type="button"
          className="button button-small"
          disabled={view.loadingWhole === file.path}
          onClick={() => void loadWhole(identity, file.path)}
        >
          {view.loadingWhole === file.path ? 'Loading…' : 'Show the whole diff'}
        </button>
      ) : null}
    </section>
  );
}
