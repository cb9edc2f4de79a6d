import { escapeControl } from '../../../shared/escape-text';
import { useEffect, useState, type JSX } from 'react';
import type { JournalEntry } from '../../../shared/bottle-view';
import { invoke, messageOf } from '../api/api';
import { exactTime, shortId } from '../lib/format';
import { useBottle } from '../stores/bottles-store';
import { DiffView } from './diff-view';

/** Past rebuild decisions for one bottle, newest first; re-fetched when its history grows. */
export function HistoryPanel({ identity }: { identity: string }): JSX.Element {
  const historyCount = useBottle(identity)?.historyCount ?? 0;
  const [entries, setEntries] = useState<JournalEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    invoke('bottle:history', identity).then(
      (result) => current && setEntries([...result].sort((a, b) => b.at.localeCompare(a.at))),
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [identity, historyCount]);

  if (error !== null) return <p className="panel-empty is-error">Could not load the history: {error}</p>;
  if (entries === null) return <p className="panel-empty">Loading…</p>;
  if (entries.length === 0) return <p className="panel-empty">No rebuild requests yet.</p>;
  return (
    <ol className="history" data-testid="history">
      {entries.map((entry) => (
        <li key={`${entry.requestId}-${entry.at}`} className="history-entry">
          <div className="history-head">
            <span className={`pill pill-decision pill-${entry.decision}`}>{entry.decision}</span>
            <time title={exactTime(entry.at)}>{new Date(entry.at).toLocaleString()}</time>
            <span className="muted">by {entry.by}</span>
            {entry.imageId !== null ? <code className="muted">{shortId(entry.imageId)}</code> : null}
          </div>
          <p>{escapeControl(entry.reason)}</p>
          {entry.message !== null && entry.message !== '' ? <p className="muted">Message: {escapeControl(entry.message)}</p> : null}
          {entry.edit !== undefined ? (
            <details data-testid="history-edit">
              <summary>Approved with edits: the agent&apos;s proposal → what was built</summary>
              <DiffView diff={entry.edit.diff} label="The operator's edits" />
            </details>
          ) : null}
          {entry.diff !== '' ? (
            <details>
              <summary>Dockerfile diff</summary>
              <DiffView diff={entry.diff} />
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
