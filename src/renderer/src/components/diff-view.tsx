import { memo, useMemo, type JSX } from 'react';
import { escapeControl } from '../../../shared/escape-text';
import { parseUnifiedDiff } from '../lib/unified-diff';

const SIGNS = { add: '+', remove: '−', context: ' ', hunk: '' } as const;

/**
 * A unified diff with old/new line numbers; added and removed lines coloured (and signed, for
 * colour-blind readers). The text is the agent's: control and bidi characters are shown escaped.
 */
export const DiffView = memo(function DiffView({ diff, label = 'Dockerfile changes' }: { diff: string; label?: string }): JSX.Element {
  const lines = useMemo(() => parseUnifiedDiff(diff), [diff]);
  if (lines.length === 0) return <p className="diff-empty">No changes.</p>;
  return (
    <div className="diff" role="table" aria-label={label} data-testid="diff">
      {lines.map((line, index) =>
        line.kind === 'hunk' ? (
          <div key={index} className="diff-line diff-hunk" role="row">
            <span className="diff-text" role="cell">
              {escapeControl(line.text)}
            </span>
          </div>
        ) : (
          <div key={index} className={`diff-line diff-${line.kind}`} role="row" data-kind={line.kind}>
            <span className="diff-num" role="cell">
              {line.oldNumber ?? ''}
            </span>
            <span className="diff-num" role="cell">
              {line.newNumber ?? ''}
            </span>
            <span
              className="diff-sign"
              role="cell"
              aria-label={line.kind === 'context' ? undefined : line.kind === 'add' ? 'added' : 'removed'}
            >
              {SIGNS[line.kind]}
            </span>
            <span className="diff-text" role="cell">
              {escapeControl(line.text)}
            </span>
          </div>
        ),
      )}
    </div>
  );
});
