import { useMemo, type JSX } from 'react';
import { bottleLabel, compareCandidates } from '../../../shared/bottle-family';
import { escapeControl } from '../../../shared/escape-text';
import { useBottle, useBottlesStore } from '../stores/bottles-store';

/**
 * "Compare with…": the other copy-mode bottles of this bottle's project folder (its parent,
 * its forks, their siblings first). Empty choice: back to this bottle's own changes.
 */
export function CompareWith({
  identity,
  against,
  onPick,
}: {
  identity: string;
  against: string | null;
  onPick: (against: string | null) => void;
}): JSX.Element | null {
  const here = useBottle(identity);
  const byIdentity = useBottlesStore((state) => state.byIdentity);
  const candidates = useMemo(() => (here === undefined ? [] : compareCandidates(here, Object.values(byIdentity))), [here, byIdentity]);
  if (here?.copyCwd !== true) return null;
  return (
    <label className="compare-with" data-testid="compare-with">
      <span>Compare with…</span>
      <select
        value={against ?? ''}
        onChange={(event) => onPick(event.target.value === '' ? null : event.target.value)}
        disabled={candidates.length === 0 && against === null}
        title={candidates.length === 0 ? 'No other copy-mode bottle of this project folder' : 'Show how another bottle’s workspace differs'}
        data-testid="compare-select"
      >
        <option value="">{candidates.length === 0 ? 'no other bottle of this folder' : 'this bottle’s own changes'}</option>
        {candidates.map(({ view, relation }) => (
          <option key={view.identity} value={view.identity}>
            {escapeControl(bottleLabel(view.identity, view))} ({relation}
            {view.name !== null ? `, ${view.identity}` : ''})
          </option>
        ))}
      </select>
    </label>
  );
}
