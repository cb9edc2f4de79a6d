import { useEffect, useRef, type JSX } from 'react';
import { useUiStore } from '../stores/ui-store';
import { ApprovalPanel } from './approval-panel';
import { ChangesView } from './changes-view';
import { HistoryPanel } from './history-panel';

const TITLES = { approval: 'Approval needed', history: 'Rebuild history', changes: 'Changes' } as const;

/** A drawer on the right for one bottle's approval or history; Esc or Close dismisses it. */
export function SidePanel(): JSX.Element | null {
  const panel = useUiStore((state) => state.panel);
  const closePanel = useUiStore((state) => state.closePanel);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (panel === null) return;
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    // Give focus back to the button that opened the panel, for keyboard users.
    return () => previous?.focus();
  }, [panel?.kind, panel?.identity]);

  if (panel === null) return null;
  return (
    <aside className={`side-panel side-panel-${panel.kind}`} role="dialog" aria-labelledby="side-panel-title" data-testid="side-panel">
      <header className="panel-header">
        <div>
          <h2 id="side-panel-title">{TITLES[panel.kind]}</h2>
          <p className="panel-subtitle">{panel.identity}</p>
        </div>
        <button ref={closeRef} type="button" className="button button-quiet" onClick={closePanel} aria-label="Close panel (Esc)">
          Close
        </button>
      </header>
      <div className="panel-body">
        {panel.kind === 'approval' ? <ApprovalPanel key={panel.identity} identity={panel.identity} /> : null}
        {panel.kind === 'history' ? <HistoryPanel identity={panel.identity} /> : null}
        {panel.kind === 'changes' ? <ChangesView key={panel.identity} identity={panel.identity} /> : null}
      </div>
    </aside>
  );
}
