import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState, type JSX } from 'react';
import { invoke, messageOf } from '../api/api';
import { followStream, terminalStreams } from '../lib/keyed-streams';
import { useUiStore } from '../stores/ui-store';

type SessionState = 'opening' | 'attached' | 'ended' | 'failed';
export type TerminalKind = 'agent' | 'shell' | 'sign-in';

const LABELS: Record<TerminalKind, { testId: string; opening: string; attached: string; ended: string }> = {
  agent: { testId: 'terminal', opening: 'Attaching…', attached: 'Attached', ended: 'The session ended' },
  shell: { testId: 'shell', opening: 'Opening a shell…', attached: 'Shell', ended: 'The shell exited' },
  'sign-in': {
    testId: 'sign-in-terminal',
    opening: 'Preparing the sign-in container (a first sign-in builds the agent’s image)…',
    attached: 'Signing in',
    ended: 'The sign-in ended',
  },
};

/** Opens the session: the bottle's agent TTY, a shell in it, or the sign-in flow's container (no bottle). */
function openSession(kind: TerminalKind, identity: string, cols: number, rows: number): Promise<{ sessionId: string }> {
  if (kind === 'sign-in') return invoke('credentials:login', { cols, rows });
  return kind === 'agent' ? invoke('terminal:open', { identity, cols, rows }) : invoke('shell:open', { identity, cols, rows });
}

function readThemeColours(element: HTMLElement): { background: string; foreground: string } {
  const style = getComputedStyle(element);
  return { background: style.getPropertyValue('--terminal-bg').trim(), foreground: style.getPropertyValue('--terminal-fg').trim() };
}

async function copySelection(terminal: Terminal): Promise<void> {
  const text = terminal.getSelection();
  if (text === '') return;
  try {
    await navigator.clipboard.writeText(text);
  } catch (error: unknown) {
    useUiStore.getState().notify('warning', 'The browser refused the clipboard: select the text and use your terminal’s copy instead.');
  }
}

async function pasteInto(terminal: Terminal): Promise<void> {
  // Focus first: keys typed while the clipboard is read go to the terminal, not to the Paste button.
  terminal.focus();
  try {
    terminal.paste(await navigator.clipboard.readText());
  } catch (error: unknown) {
    useUiStore.getState().notify('warning', 'The browser refused to read the clipboard: paste with Ctrl+V (or ⌘V) in the terminal.');
  }
}

/**
 * xterm.js on a bottle: the agent's own TTY (which opens with what it printed before), or a separate
 * shell; or on the sign-in flow's container (`identity` unused: the flow has none). Input, resizes
 * and output go through terminal:* and shell:open or credentials:login. Ctrl+Shift+C / Ctrl+Shift+V
 * (and the buttons) copy and paste; a plain Ctrl+C goes to the program, as in any terminal.
 */
export default function TerminalView({ identity, kind }: { identity: string; kind: TerminalKind }): JSX.Element {
  const hostRef = useRef<HTMLDivElement>(null);
  const terminalRef = useRef<Terminal | null>(null);
  const [state, setState] = useState<SessionState>('opening');
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const labels = LABELS[kind];

  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    setState('opening');
    setError(null);
    const terminal = new Terminal({ cursorBlink: true, fontSize: 13, theme: readThemeColours(host), scrollback: 10_000 });
    terminalRef.current = terminal;
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(host);
    fit.fit();
    terminal.focus();
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.key === 'C' || event.key === 'c') {
        void copySelection(terminal);
        return false;
      }
      if (event.key === 'V' || event.key === 'v') {
        void pasteInto(terminal);
        return false;
      }
      return true;
    });

    let sessionId: string | null = null;
    // Typing that did not reach the session is said once (not once per key) until some gets through.
    let inputFailed = false;
    const input = terminal.onData((data) => {
      if (sessionId === null) return;
      invoke('terminal:input', sessionId, data).then(
        () => {
          inputFailed = false;
        },
        (error: unknown) => {
          if (!inputFailed) useUiStore.getState().notify('error', `What you typed did not reach the terminal: ${messageOf(error)}`);
          inputFailed = true;
        },
      );
    });
    const resize = terminal.onResize(({ cols, rows }) => {
      // A resize racing the end of the session is harmless: the session's end is shown on its own.
      if (sessionId !== null) void invoke('terminal:resize', sessionId, cols, rows).catch((_error: unknown) => undefined);
    });
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host);

    const opening = openSession(kind, identity, terminal.cols, terminal.rows).then((result) => result.sessionId);
    const stop = followStream(terminalStreams, opening, (id) => invoke('terminal:close', id), {
      opened: (id) => {
        sessionId = id;
        setState('attached');
      },
      data: (data) => terminal.write(data),
      end: () => {
        sessionId = null;
        setState('ended');
      },
      failed: (failure) => {
        setState('failed');
        setError(messageOf(failure));
      },
    });

    return () => {
      stop();
      observer.disconnect();
      input.dispose();
      resize.dispose();
      terminalRef.current = null;
      terminal.dispose();
    };
  }, [identity, kind, generation]);

  const status =
    state === 'opening'
      ? labels.opening
      : state === 'attached'
        ? labels.attached
        : state === 'ended'
          ? labels.ended
          : `Could not open: ${error ?? ''}`;
  return (
    <div className="terminal-tab">
      <div className="terminal-toolbar">
        <p
          className={`terminal-state ${state === 'failed' ? 'is-error' : ''}`}
          role="status"
          data-testid={`${labels.testId}-state`}
          data-state={state}
        >
          {status}
        </p>
        {kind === 'shell' && (state === 'ended' || state === 'failed') ? (
          <button type="button" className="button button-small" onClick={() => setGeneration((value) => value + 1)}>
            New shell
          </button>
        ) : null}
        <span className="terminal-hint">Copy Ctrl+Shift+C · Paste Ctrl+Shift+V</span>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => terminalRef.current !== null && void copySelection(terminalRef.current)}
        >
          Copy
        </button>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => terminalRef.current !== null && void pasteInto(terminalRef.current)}
        >
          Paste
        </button>
      </div>
      <div ref={hostRef} className="terminal-host" data-testid={labels.testId} data-kind={kind} />
    </div>
  );
}
