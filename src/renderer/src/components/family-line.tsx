import type { JSX, MouseEvent } from 'react';
import { bottleLabel, forkCount } from '../../../shared/bottle-family';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeControl } from '../../../shared/escape-text';
import { openBottle } from '../lib/bottle-panel-actions';
import { useBottlesStore } from '../stores/bottles-store';

/**
 * A bottle's family on its card or row (issue 24): "forked from <parent> · <checkpoint>" (the
 * parent opens on a click) and, on a parent, "N forks". One line that ellipsizes: a card keeps its
 * fixed height. Names are the operator's, but escaped as every shown name is.
 */
export function FamilyLine({ bottle, layout }: { bottle: BottleView; layout: 'card' | 'row' }): JSX.Element | null {
  const parent = bottle.forkedFrom?.parent ?? null;
  const parentView = useBottlesStore((state) => (parent === null ? undefined : state.byIdentity[parent]));
  const forks = useBottlesStore((state) => forkCount(bottle.identity, Object.values(state.byIdentity)));
  if (bottle.forkedFrom === null && forks === 0) return null;
  const label = parent === null ? '' : escapeControl(bottleLabel(parent, parentView));
  const checkpoint = bottle.forkedFrom?.checkpoint ?? '';
  const open = (event: MouseEvent): void => {
    // On a row, the row's own click would open the fork instead.
    event.stopPropagation();
    if (parent !== null) openBottle(parentView, parent);
  };
  if (layout === 'row')
    // A row's Bottle column is narrow: a badge, the whole line in its tooltip (a click opens the parent).
    return (
      <span className="family family-row" data-testid="family-line">
        {parent !== null ? (
          <button
            type="button"
            className="family-badge"
            title={`Forked from ${label} · ${checkpoint}${parentView === undefined ? ` (${parent} is gone)` : ': click to open it'}`}
            disabled={parentView === undefined}
            onClick={open}
            data-testid="family-parent"
          >
            fork
          </button>
        ) : null}
        <ForkCount forks={forks} />
      </span>
    );
  return (
    <span className={`family family-${layout}`} data-testid="family-line">
      {parent !== null ? (
        <span className="family-from" title={`Forked from ${parent} at checkpoint ${checkpoint}`}>
          forked from{' '}
          <button
            type="button"
            className="family-parent"
            disabled={parentView === undefined}
            title={parentView === undefined ? `${parent} is gone` : `Open ${parent}`}
            onClick={open}
            data-testid="family-parent"
          >
            {label}
          </button>{' '}
          · <span className="family-checkpoint">{checkpoint}</span>
        </span>
      ) : null}
      <ForkCount forks={forks} />
    </span>
  );
}

/** "N forks" on a parent, the same in rows and on cards; nothing when it has none. */
function ForkCount({ forks }: { forks: number }): JSX.Element | null {
  if (forks === 0) return null;
  return (
    <span
      className="family-forks"
      title={`${forks} bottle${forks === 1 ? ' was' : 's were'} forked from this one`}
      data-testid="family-forks"
    >
      {forks} fork{forks === 1 ? '' : 's'}
    </span>
  );
}
