import type { JSX } from 'react';
import { activityLabel } from '../../../shared/attention-state';
import type { BottleActivity } from '../../../shared/bottle-view';
import { escapeControl } from '../../../shared/escape-text';
import { ActivityProgressBar, activitySteps } from './activity-progress';

/**
 * What the approval panel shows while an approved request builds: the request has left the inbox,
 * so without this the panel read "No request is waiting" through the whole build. It stays until
 * the approval returns; the panel then closes and a notice gives the outcome.
 */
export function ApprovalProgress({ activity }: { activity: BottleActivity }): JSX.Element {
  const { hasSteps, percent } = activitySteps(activity);
  return (
    <section className="approval-building" data-testid="approval-progress" role="status">
      <h3>
        {activityLabel(activity.kind)}
        {hasSteps ? ` · step ${activity.step}/${activity.totalSteps}` : ''}
      </h3>
      <ActivityProgressBar percent={percent} className="approval-building-bar" />
      <pre>{escapeControl(activity.logTail.slice(-8).join('\n'))}</pre>
    </section>
  );
}
