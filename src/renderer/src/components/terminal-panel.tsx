import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState, type JSX } from 'react';
import { invoke, messageOf } from '../api/api';
import { onTerminalData, onTerminalExit, useTerminalStore } from '../stores/terminal-store';

type SessionState = 'opening' | 'attached' | 'ended' | 'failed';

function readThemeColours(element: HTMLElement): { background: string; foreground: string } {
  const style = getComputedStyle(element);
  return { background: style.getPropertyValue('--terminal-bg').trim(), foreground: style.getPropertyValue('--terminal-fg').trim() };
}

/** xterm.js attached to one bottle's TTY via terminal:open/input/resize/close and terminal-data events. */
function TerminalView({ identity }: { identity: string }): JSX.Element {
  const hostRef = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<SessionState>('opening');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const terminal = new Terminal({ cursorBlink: true, fontSize: 13, theme: readThemeColours(host), scrollback: 5000 });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(host);
    fit.fit();
    terminal.focus();

    let sessionId: string | null = null;
    let disposed = false;
    const cleanups: (() => void)[] = [];
    const input = terminal.onData((data) => {
      if (sessionId !== null) void invoke('terminal:input', sessionId, data).catch(() => undefined);
    });
    const resize = terminal.onResize(({ cols, rows }) => {
      if (sessionId !== null) void invoke('terminal:resize', sessionId, cols, rows).catch(() => undefined);
    });
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host);

    invoke('terminal:open', { identity, cols: terminal.cols, rows: terminal.rows }).then(
      (result) => {
        if (disposed) {
          void invoke('terminal:close', result.sessionId).catch(() => undefined);
          return;
        }
        sessionId = result.sessionId;
        setState('attached');
        cleanups.push(onTerminalData(result.sessionId, (data) => terminal.write(data)));
        cleanups.push(onTerminalExit(result.sessionId, () => setState('ended')));
      },
      (failure: unknown) => {
        if (disposed) return;
        setState('failed');
        setError(messageOf(failure));
      },
    );

    return () => {
      disposed = true;
      observer.disconnect();
      input.dispose();
      resize.dispose();
      for (const cleanup of cleanups) cleanup();
      if (sessionId !== null) void invoke('terminal:close', sessionId).catch(() => undefined);
      terminal.dispose();
    };
  }, [identity]);

  return (
    <>
      <p className={`terminal-state ${state === 'failed' ? 'is-error' : ''}`} role="status" data-testid="terminal-state" data-state={state}>
        {state === 'opening' ? 'Attaching…' : state === 'attached' ? 'Attached' : state === 'ended' ? 'The session ended' : `Could not attach: ${error ?? ''}`}
      </p>
      <div ref={hostRef} className="terminal-host" data-testid="terminal" />
    </>
  );
}

/** Bottom panel; Esc inside the terminal goes to the program, so it closes with the button (or Esc elsewhere). */
export default function TerminalPanel(): JSX.Element | null {
  const identity = useTerminalStore((state) => state.identity);
  const close = useTerminalStore((state) => state.close);
  if (identity === null) return null;
  return (
    <section className="terminal-panel" aria-label={`Terminal for ${identity}`} data-testid="terminal-panel">
      <header className="panel-header">
        <div>
          <h2>Terminal</h2>
          <p className="panel-subtitle">{identity}</p>
        </div>
        <button type="button" className="button button-quiet" onClick={close}>
          Close
        </button>
      </header>
      <TerminalView key={identity} identity={identity} />
    </section>
  );
}
