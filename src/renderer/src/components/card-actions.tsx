import type { JSX } from 'react';
import type { BottleView } from '../../../shared/bottle-view';
import { canResume, copyText, isLive, resumeBottle, resumeCommand, stopBottle } from '../lib/bottle-actions';
import { useTerminalStore } from '../stores/terminal-store';
import { useUiStore } from '../stores/ui-store';

/** The buttons a bottle's status allows; busy while an activity runs so nothing is clicked twice. */
export function CardActions({ bottle, engineDown }: { bottle: BottleView; engineDown: boolean }): JSX.Element {
  // Store actions never change: read them when clicked instead of subscribing every card to them
  // (thousands of cards, three subscriptions each, is what made a large first list slow).
  const openTerminal = (id: string): void => useTerminalStore.getState().open(id);
  const askRemove = (id: string): void => useUiStore.getState().askRemove(id);
  const openPanel = (panel: 'history', id: string): void => useUiStore.getState().openPanel(panel, id);
  const busy = bottle.activity !== null && bottle.activity.error === null;
  // Terminal, stop and resume all need the engine; Remove stays (the state folder is ours).
  const needsEngine = busy || engineDown;
  const broken = bottle.status === 'corrupt' || bottle.status === 'orphan';
  const { identity } = bottle;
  return (
    <div className="card-actions">
      {bottle.status === 'running' ? (
        <button type="button" className="button button-small" disabled={engineDown} onClick={() => openTerminal(identity)}>
          Open terminal
        </button>
      ) : null}
      {isLive(bottle) || (bottle.status === 'orphan' && bottle.containerId !== null) ? (
        <button type="button" className="button button-small" disabled={needsEngine} onClick={() => void stopBottle(identity)}>
          Stop
        </button>
      ) : null}
      {canResume(bottle) ? (
        <button type="button" className="button button-small button-primary" disabled={needsEngine} onClick={() => void resumeBottle(identity)}>
          Resume
        </button>
      ) : null}
      {bottle.historyCount > 0 ? (
        <button type="button" className="button button-small button-quiet" onClick={() => openPanel('history', identity)}>
          History ({bottle.historyCount})
        </button>
      ) : null}
      <span className="card-actions-spacer" />
      {!broken ? (
        <button
          type="button"
          className="button button-small button-quiet"
          title={`Copy “${resumeCommand(identity)}”`}
          onClick={() => void copyText(resumeCommand(identity))}
        >
          Copy resume command
        </button>
      ) : null}
      <button
        type="button"
        className={`button button-small ${broken ? 'button-danger' : 'button-quiet-danger'}`}
        disabled={busy}
        onClick={() => askRemove(identity)}
      >
        Remove
      </button>
    </div>
  );
}
