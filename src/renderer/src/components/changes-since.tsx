import type { JSX } from 'react';
import type { ChangeSet, ChangeSince } from '../../../shared/changes';
import { exactTime } from '../lib/format';
import { useChangesStore } from '../stores/changes-store';

const LABELS: Record<ChangeSince, string> = { start: 'Since start', apply: 'New since last apply' };

/** When the last apply ran, for a person. */
export function lastApplyTime(set: ChangeSet): string {
  return set.lastApply === null ? '' : new Date(set.lastApply.at).toLocaleString();
}

/**
 * The two-way choice of which changes the tab lists: every change since the bottle started, or
 * only those new since the last apply (diffed against what it wrote), each with its count. Before
 * any apply the second is off, and a line says why. Copy mode only: a mount-mode bottle has no apply.
 */
export function ChangesSince({ identity, set }: { identity: string; set: ChangeSet }): JSX.Element | null {
  const chosen = useChangesStore((state) => state.since[identity] ?? 'start');
  const setSince = useChangesStore((state) => state.setSince);
  if (set.mode !== 'copy') return null;
  const noApply = set.lastApply === null;
  return (
    <div className="changes-since-bar">
      <div className="changes-since" role="group" aria-label="Which changes" data-testid="changes-since">
        {(['start', 'apply'] as const).map((since) => (
          <button
            key={since}
            type="button"
            className={`button button-small ${chosen === since ? 'button-primary' : ''}`}
            aria-pressed={chosen === since}
            disabled={since === 'apply' && noApply}
            title={since === 'apply' && !noApply ? `Changed since the apply at ${exactTime(set.lastApply?.at ?? '')}` : undefined}
            onClick={() => setSince(identity, since)}
            data-testid={`changes-since-${since}`}
          >
            {LABELS[since]} <span className="changes-since-count">{set.sinceCounts[since]}</span>
          </button>
        ))}
      </div>
      {noApply ? (
        <span className="muted" data-testid="changes-since-none">
          No apply yet: every change is new.
        </span>
      ) : null}
    </div>
  );
}
