import type { JSX } from 'react';
import { allowedActions, type ActionState, type BottleAction } from '../../../shared/allowed-actions';
import type { BottleView } from '../../../shared/bottle-view';
import { resumeLine } from '../../../shared/resume-line';
import { checkpointBottle, copyText, resumeBottle, stopBottle } from '../lib/bottle-actions';
import { useBottlePanelStore } from '../stores/bottle-panel-store';
import { useUiStore } from '../stores/ui-store';

interface ButtonSpec {
  label: (bottle: BottleView) => string;
  className: string;
  run: (identity: string) => void;
  title?: (identity: string) => string;
}

// Store actions never change: read them when clicked instead of subscribing every card to them
// (thousands of cards, three subscriptions each, is what made a large first list slow).
const BUTTONS: Partial<Record<BottleAction, ButtonSpec>> = {
  'open-terminal': { label: () => 'Open terminal', className: '', run: (id) => useBottlePanelStore.getState().open(id, 'terminal') },
  'open-logs': { label: () => 'Logs', className: '', run: (id) => useBottlePanelStore.getState().open(id, 'logs') },
  stop: { label: () => 'Stop', className: '', run: (id) => void stopBottle(id) },
  resume: { label: () => 'Resume', className: 'button-primary', run: (id) => void resumeBottle(id) },
  history: {
    label: (bottle) => `Timeline (${bottle.historyCount})`,
    className: 'button-quiet',
    run: (id) => useUiStore.getState().openPanel('history', id),
  },
  changes: {
    label: () => 'Changes',
    className: 'button-quiet',
    run: (id) => useBottlePanelStore.getState().open(id, 'changes'),
    title: () => 'What the agent changed: diffs, apply, export as a branch',
  },
  checkpoint: {
    label: () => 'Checkpoint',
    className: 'button-quiet',
    run: (id) => void checkpointBottle(id),
    title: (id) =>
      `Save its workspace (mount mode: your folder's changes since its start), transcript, Dockerfile and git state now (claude-bottle checkpoint ${id}); a running copy-mode bottle is paused only for the copy`,
  },
  fork: {
    label: () => 'Fork',
    className: 'button-quiet',
    run: (id) => useUiStore.getState().askFork(id),
    title: (id) =>
      `New bottles from a checkpoint, each continuing the conversation on its own; a mount-mode bottle's forks are copies of its folder (claude-bottle fork ${id})`,
  },
  'copy-resume-command': {
    label: () => 'Copy resume command',
    className: 'button-quiet',
    run: (id) => void copyText(resumeLine(id)),
    title: (id) => `Copy “${resumeLine(id)}”`,
  },
  remove: { label: () => 'Remove', className: 'button-quiet-danger', run: (id) => useUiStore.getState().askRemove(id) },
};

/** Shown after the spacer, at the card's right edge. */
const TRAILING: ReadonlySet<BottleAction> = new Set(['copy-resume-command', 'remove']);

function ActionButton({ bottle, state }: { bottle: BottleView; state: ActionState }): JSX.Element | null {
  const spec = BUTTONS[state.action];
  if (spec === undefined) return null;
  const broken = bottle.status === 'corrupt' || bottle.status === 'orphan';
  const className = state.action === 'remove' && broken ? 'button-danger' : spec.className;
  return (
    <button
      type="button"
      className={`button button-small ${className}`}
      disabled={!state.enabled}
      title={state.reason ?? spec.title?.(bottle.identity)}
      onClick={() => spec.run(bottle.identity)}
    >
      {spec.label(bottle)}
    </button>
  );
}

/** The buttons the bottle's state allows (shared/allowed-actions decides), disabled with a reason while they must wait. */
export function CardActions({
  bottle,
  engineDown,
  exclude,
}: {
  bottle: BottleView;
  engineDown: boolean;
  exclude?: ReadonlySet<BottleAction>;
}): JSX.Element {
  const states = allowedActions(bottle, { engineAvailable: !engineDown }).filter((state) => exclude?.has(state.action) !== true);
  return (
    <div className="card-actions">
      {states
        .filter((state) => !TRAILING.has(state.action))
        .map((state) => (
          <ActionButton key={state.action} bottle={bottle} state={state} />
        ))}
      <span className="card-actions-spacer" />
      {states
        .filter((state) => TRAILING.has(state.action))
        .map((state) => (
          <ActionButton key={state.action} bottle={bottle} state={state} />
        ))}
    </div>
  );
}
