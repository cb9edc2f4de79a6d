import type { JSX } from 'react';
import type { BottleActivity } from '../../../shared/bottle-view';

/** Whether the activity reports build steps, and how far it is (null: no steps, an indeterminate bar). */
export function activitySteps(activity: BottleActivity): { hasSteps: boolean; percent: number | null } {
  const hasSteps = activity.step !== null && activity.totalSteps !== null && activity.totalSteps > 0;
  return { hasSteps, percent: hasSteps ? Math.round(((activity.step ?? 0) / (activity.totalSteps ?? 1)) * 100) : null };
}

/** The one progress bar of long work (the card's activity area and the approval panel's build). */
export function ActivityProgressBar({ percent, className = '' }: { percent: number | null; className?: string }): JSX.Element {
  return (
    <span
      className={['progress', className, percent === null ? 'is-indeterminate' : ''].filter(Boolean).join(' ')}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
    >
      <span style={{ width: `${percent ?? 30}%` }} />
    </span>
  );
}
