import { memo, useMemo, type JSX } from 'react';
import { escapeControl } from '../../../shared/escape-text';
import { parseUnifiedDiff, type DiffLine } from '../lib/unified-diff';

const SIGNS = { add: '+', remove: '−', context: ' ', hunk: '' } as const;

const NO_FLAGS: ReadonlyMap<number, string> = new Map();

/**
 * A unified diff with old/new line numbers; added and removed lines coloured (and signed, for
 * colour-blind readers). The text is the agent's: control and bidi characters are shown escaped.
 * `flags` marks lines of the new side (by line number) with why they deserve a second look, so a
 * risk note is read where the line is, not only in a list above.
 */
export const DiffView = memo(function DiffView({
  diff,
  label = 'Dockerfile changes',
  flags = NO_FLAGS,
}: {
  diff: string;
  label?: string;
  flags?: ReadonlyMap<number, string>;
}): JSX.Element {
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
          <DiffRow
            key={index}
            line={line}
            flag={line.kind !== 'remove' && line.newNumber !== null ? flags.get(line.newNumber) : undefined}
          />
        ),
      )}
    </div>
  );
});

function DiffRow({ line, flag }: { line: DiffLine; flag: string | undefined }): JSX.Element {
  return (
    <div
      className={`diff-line diff-${line.kind}${flag === undefined ? '' : ' is-flagged'}`}
      role="row"
      data-kind={line.kind}
      data-flagged={flag === undefined ? undefined : 'true'}
      title={flag}
    >
      <span className="diff-num" role="cell">
        {line.oldNumber ?? ''}
      </span>
      <span className="diff-num" role="cell">
        {line.newNumber ?? ''}
      </span>
      <span className="diff-sign" role="cell" aria-label={line.kind === 'context' ? undefined : line.kind === 'add' ? 'added' : 'removed'}>
        {SIGNS[line.kind]}
      </span>
      <span className="diff-text" role="cell">
        {escapeControl(line.text)}
      </span>
      {flag !== undefined ? (
        <span className="diff-flag" role="cell" data-testid="diff-flag">
          ⚑ {flag}
        </span>
      ) : null}
    </div>
  );
}
