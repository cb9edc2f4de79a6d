import { useEffect, useRef, type JSX } from 'react';
import { useUiStore, type Panel } from '../stores/ui-store';
import { ApprovalPanel } from './approval-panel';
import { TimelinePanel } from './timeline-panel';
import { TrustPanel } from './trust-panel';

const TITLES = { approval: 'Approval needed', history: 'Rebuild history', trust: 'Trust a project agent' } as const;

function subtitle(panel: Panel): string {
  return panel.kind === 'trust' ? panel.agent : panel.identity;
}

function body(panel: Panel): JSX.Element {
  switch (panel.kind) {
    case 'approval':
      return <ApprovalPanel key={panel.identity} identity={panel.identity} />;
    case 'history':
      return <TimelinePanel identity={panel.identity} />;
    case 'trust':
      return <TrustPanel key={`${panel.cwd}\0${panel.agent}`} agent={panel.agent} cwd={panel.cwd} />;
  }
}

/** A drawer on the right for one bottle's approval or history, or a project agent's Trust step; Esc or Close dismisses it. */
export function SidePanel(): JSX.Element | null {
  const panel = useUiStore((state) => state.panel);
  const closePanel = useUiStore((state) => state.closePanel);
  const closeRef = useRef<HTMLButtonElement>(null);
  const key = panel === null ? null : `${panel.kind}\0${subtitle(panel)}`;

  useEffect(() => {
    if (key === null) return;
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    // Give focus back to the button that opened the panel, for keyboard users.
    return () => previous?.focus();
  }, [key]);

  if (panel === null) return null;
  return (
    <aside className={`side-panel side-panel-${panel.kind}`} role="dialog" aria-labelledby="side-panel-title" data-testid="side-panel">
      <header className="panel-header">
        <div>
          <h2 id="side-panel-title">{TITLES[panel.kind]}</h2>
          <p className="panel-subtitle">{subtitle(panel)}</p>
        </div>
        <button ref={closeRef} type="button" className="button button-quiet" onClick={closePanel} aria-label="Close panel (Esc)">
          Close
        </button>
      </header>
      <div className="panel-body">{body(panel)}</div>
    </aside>
  );
}
