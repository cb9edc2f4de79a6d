import type { JSX } from 'react';
import { allowedActions, type BottleAction } from '../../../shared/allowed-actions';
import type { BottleView } from '../../../shared/bottle-view';
import { resumeBottle, stopBottle } from '../lib/bottle-actions';
import { useBottlePanelStore } from '../stores/bottle-panel-store';
import { useUiStore } from '../stores/ui-store';

interface IconSpec {
  /** A glyph only: the accessible name and the tooltip say the action in words. */
  glyph: string;
  label: string;
  run: (identity: string) => void;
  danger?: boolean;
}

// The state's main actions, as the card's buttons name them; which apply is allowed-actions' call.
const ICONS: Partial<Record<BottleAction, IconSpec>> = {
  'open-terminal': { glyph: '>_', label: 'Open terminal', run: (id) => useBottlePanelStore.getState().open(id, 'terminal') },
  'open-logs': { glyph: '≡', label: 'Logs', run: (id) => useBottlePanelStore.getState().open(id, 'logs') },
  resume: { glyph: '▶', label: 'Resume', run: (id) => void resumeBottle(id) },
  stop: { glyph: '■', label: 'Stop', run: (id) => void stopBottle(id) },
  remove: { glyph: '✕', label: 'Remove', run: (id) => useUiStore.getState().askRemove(id), danger: true },
};

/** The row's action icons: a click acts and never opens the bottle (the row's own click does that). */
export function RowActions({ bottle, engineDown }: { bottle: BottleView; engineDown: boolean }): JSX.Element {
  const states = allowedActions(bottle, { engineAvailable: !engineDown });
  return (
    <span className="row-actions" data-testid="row-actions">
      {states.map((state) => {
        const spec = ICONS[state.action];
        if (spec === undefined) return null;
        return (
          <button
            key={state.action}
            type="button"
            className={`row-icon ${spec.danger === true ? 'is-danger' : ''}`}
            // The row names the bottle; the label stays the action's word, as the card's button says it.
            aria-label={spec.label}
            title={state.reason === null ? spec.label : `${spec.label}: ${state.reason}`}
            disabled={!state.enabled}
            data-action={state.action}
            onClick={(event) => {
              event.stopPropagation();
              spec.run(bottle.identity);
            }}
          >
            <span aria-hidden="true">{spec.glyph}</span>
          </button>
        );
      })}
    </span>
  );
}
