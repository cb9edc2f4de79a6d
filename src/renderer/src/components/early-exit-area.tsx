import { escapeControl } from '../../../shared/escape-text';
import type { JSX } from 'react';
import type { EarlyExitView } from '../../../shared/bottle-view';
import { earlyExitTiming } from '../../../shared/early-exit-text';

/** The last lines shown on the card; the rest are in the tooltip and in `claude-bottle show`. */
const SHOWN_LINES = 4;

/** An agent that exited within its first minute: why that looks like, and what it said last. */
export function EarlyExitArea({ earlyExit }: { earlyExit: EarlyExitView }): JSX.Element {
  return (
    <div className="status-area problem early-exit" data-testid="early-exit" data-attention="early-exit" role="alert">
      <div className="early-exit-head">
        <span className="attention-label">Exited on start</span>
        <span className="attention-text" data-testid="early-exit-reason">
          {earlyExit.reason} ({earlyExitTiming(earlyExit)})
        </span>
      </div>
      {earlyExit.lines.length > 0 ? (
        <pre className="early-exit-output" title={escapeControl(earlyExit.lines.join('\n'))} data-testid="early-exit-output">
          {escapeControl(earlyExit.lines.slice(-SHOWN_LINES).join('\n'))}
        </pre>
      ) : null}
    </div>
  );
}
