import { memo, type JSX } from 'react';
import type { BottleStatus } from '../../../shared/bottle-view';

const LABELS: Record<BottleStatus, string> = {
  building: 'Building',
  starting: 'Starting',
  running: 'Running',
  exited: 'Exited',
  'ready-to-resume': 'Ready to resume',
  'missing-container': 'No container',
  corrupt: 'Corrupt',
  orphan: 'Orphan',
  'engine-offline': 'Engine offline',
};

export function statusLabel(status: BottleStatus, exitCode: number | null): string {
  return status === 'exited' && exitCode !== null ? `Exited (${exitCode})` : LABELS[status];
}

/** Fixed width, so a status change never moves anything else on the card. */
export const StatusPill = memo(function StatusPill({
  status,
  exitCode,
  stale = false,
}: {
  status: BottleStatus;
  exitCode: number | null;
  stale?: boolean;
}): JSX.Element {
  return (
    <span
      className={`pill pill-${status} ${stale ? 'is-stale' : ''}`}
      data-testid="status-pill"
      data-status={status}
      title={stale ? 'Last known status: Docker is not reachable right now' : undefined}
    >
      {statusLabel(status, exitCode)}
    </span>
  );
});
