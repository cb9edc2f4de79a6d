import type { JSX } from 'react';
import { SignInChip } from './sign-in-dialog';
import { offlineEngines, useEngineStore } from '../stores/engine-store';

function EngineChip(): JSX.Element {
  const status = useEngineStore((state) => state.status);
  const statusError = useEngineStore((state) => state.statusError);
  const linkDown = useEngineStore((state) => state.link !== 'connected');
  if (status === null || linkDown) {
    return (
      <span className="chip chip-muted" title={statusError ?? undefined}>
        <span className="dot" aria-hidden="true" />
        {statusError === null && !linkDown ? 'Docker: checking…' : 'Docker: unknown'}
      </span>
    );
  }
  const connected = status.state === 'connected';
  return (
    <span
      className={`chip ${connected ? 'chip-ok' : 'chip-bad'}`}
      title={`${status.endpoint} (${status.endpointSource})`}
      data-testid="engine-chip"
    >
      <span className="dot" aria-hidden="true" />
      {connected ? `Docker ${status.version ?? ''}`.trim() : 'Docker not running'}
    </span>
  );
}

/** Other engines (Docker contexts with bottles) that do not answer: their bottles show offline. */
function OfflineEnginesChip(): JSX.Element | null {
  const statuses = useEngineStore((state) => state.statuses);
  const status = useEngineStore((state) => state.status);
  const offline = offlineEngines({ statuses, status });
  if (offline.length === 0) return null;
  return (
    <span
      className="chip chip-bad"
      title={offline.map((name) => `${name}: ${statuses[name]?.message ?? 'not answering'}`).join('\n')}
      data-testid="offline-engines-chip"
    >
      <span className="dot" aria-hidden="true" />
      {offline.length === 1 ? `Engine ${offline[0]} offline` : `${offline.length} engines offline`}
    </span>
  );
}

function LinkChip(): JSX.Element | null {
  const link = useEngineStore((state) => state.link);
  if (link === 'connected') return null;
  return (
    <span className="chip chip-warn" role="status">
      <span className="dot" aria-hidden="true" />
      {link === 'connecting' ? 'Connecting…' : 'Reconnecting to serve…'}
    </span>
  );
}

export function Header(): JSX.Element {
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <h1>Claude Bottle</h1>
        {window.claudeBottle.mode === 'browser' ? <span className="mode-tag">browser mode</span> : null}
      </div>
      <div className="header-status" aria-live="polite">
        <LinkChip />
        <SignInChip />
        <OfflineEnginesChip />
        <EngineChip />
      </div>
    </header>
  );
}
