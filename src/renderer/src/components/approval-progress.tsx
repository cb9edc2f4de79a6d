import type { JSX } from 'react';
import { activityLabel } from '../../../shared/attention-state';
import type { BottleActivity } from '../../../shared/bottle-view';
import { escapeControl } from '../../../shared/escape-text';

/**
 * What the approval panel shows while an approved request builds: the request has left the inbox,
 * so without this the panel read "No request is waiting" through the whole build. It stays until
 * the approval returns; the panel then closes and a notice gives the outcome.
 */
export function ApprovalProgress({ activity }: { activity: BottleActivity }): JSX.Element {
  const hasSteps = activity.step !== null && activity.totalSteps !== null && activity.totalSteps > 0;
  const percent = hasSteps ? Math.round(((activity.step ?? 0) / (activity.totalSteps ?? 1)) * 100) : null;
  return (
    <section className="approval-building" data-testid="approval-progress" role="status">
      <h3>
        {activityLabel(activity.kind)}
        {hasSteps ? ` · step ${activity.step}/${activity.totalSteps}` : ''}
      </h3>
      <span
        className={`progress approval-building-bar ${percent === null ? 'is-indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
      >
        <span style={{ width: `${percent ?? 30}%` }} />
      </span>
      <pre>{escapeControl(activity.logTail.slice(-8).join('\n'))}</pre>
    </section>
  );
}
