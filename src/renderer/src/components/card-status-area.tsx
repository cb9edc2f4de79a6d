import type { JSX } from 'react';
import { actionState } from '../../../shared/allowed-actions';
import { activityLabel, attentionState } from '../../../shared/attention-state';
import { agentStatusLine } from '../../../shared/agent-status-line';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeControl, escapeLine } from '../../../shared/escape-text';
import { resumeLine } from '../../../shared/resume-line';
import { dismissError } from '../lib/bottle-actions';
import { firstWaitingKind } from '../lib/first-waiting';
import { ActivityProgressBar, activitySteps } from './activity-progress';
import { EarlyExitArea } from './early-exit-area';
import { NetworkRequestArea } from './network-request-area';
import { PermissionRequestArea } from './permission-request-area';
import { canReply, ReplyBox } from './reply-box';
import { useUiStore } from '../stores/ui-store';

function ActivityView({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const activity = bottle.activity;
  if (activity === null) return null;
  const { hasSteps, percent } = activitySteps(activity);
  if (activity.error !== null) {
    return (
      <div className="status-area problem" data-testid="activity-error" data-attention="failed" role="alert">
        <span className="attention-label">{activityLabel(activity.kind)} failed</span>
        <span className="attention-text" title={escapeControl([activity.error, ...activity.logTail].join('\n'))}>
          {escapeLine(activity.error)}
        </span>
        {actionState(bottle, 'dismiss-error') !== null ? (
          <button type="button" className="button button-small button-quiet" onClick={() => void dismissError(bottle.identity)}>
            Dismiss
          </button>
        ) : null}
      </div>
    );
  }
  return (
    <div className="status-area activity" data-testid="activity" data-attention="activity">
      <div className="activity-head">
        <span>{hasSteps && activity.kind !== 'approving' ? 'Building image' : activityLabel(activity.kind)}</span>
        {hasSteps ? (
          <span className="activity-step">
            step {activity.step}/{activity.totalSteps}
          </span>
        ) : null}
        <ActivityProgressBar percent={percent} />
      </div>
      <pre className="log-tail" title={escapeControl(activity.logTail.join('\n'))}>
        {escapeLine(activity.logTail[activity.logTail.length - 1] ?? '')}
      </pre>
    </div>
  );
}

/**
 * One fixed-height area per card for whatever needs attention (work in progress, a request waiting,
 * a corrupt state, an inbox warning), so cards never change height as a bottle moves through states.
 */
export function CardStatusArea({ bottle }: { bottle: BottleView }): JSX.Element {
  const openPanel = useUiStore((state) => state.openPanel);
  // Which state wins is the shared rule: the row asks the same function, so the two always agree.
  const kind = attentionState(bottle);
  if (kind === 'activity' || kind === 'failed') return <ActivityView bottle={bottle} />;
  if (kind === 'early-exit' && bottle.earlyExit !== null) return <EarlyExitArea earlyExit={bottle.earlyExit} />;
  if (kind === 'stopped' && bottle.stopReason !== null) {
    return (
      <div className="status-area problem" data-testid="stop-reason" data-attention="stopped" role="alert">
        <span className="attention-label">Stopped by claude-bottle</span>
        <span className="attention-text" title={escapeControl(bottle.stopReason)}>
          {escapeLine(bottle.stopReason)}
        </span>
      </div>
    );
  }
  if (kind === 'ready') {
    return (
      <div className="status-area ready" data-testid="ready-to-resume" data-attention="ready">
        <span className="attention-label">{bottle.readyReason === 'approved' ? 'Rebuilt' : 'Stopped'}</span>
        <span className="attention-text">
          Resume here, or from a terminal: <code>{resumeLine(bottle.identity)}</code>
        </span>
      </div>
    );
  }
  // Of several waiting requests, the first in the shared order: the row's badge names the same.
  const waiting = kind === 'pending' ? firstWaitingKind(bottle) : null;
  if (waiting === 'dockerfile' && bottle.pendingRequest !== null) {
    const approve = actionState(bottle, 'approve');
    return (
      <div className="status-area attention" data-testid="pending-request" data-attention="pending">
        <span className="attention-label">{bottle.pendingCount > 1 ? `${bottle.pendingCount} approvals needed` : 'Approval needed'}</span>
        <span className="attention-text" title={escapeControl(bottle.pendingRequest.reason)}>
          {escapeLine(bottle.pendingRequest.reason)}
        </span>
        <button
          type="button"
          className="button button-primary button-small"
          title={approve?.reason ?? undefined}
          onClick={() => openPanel('approval', bottle.identity)}
        >
          Review
        </button>
      </div>
    );
  }
  // A held connection (and no Dockerfile request): the gateway waits for the operator's word.
  if (waiting === 'network') return <NetworkRequestArea bottle={bottle} />;
  // A permission question its agent asks (issue 21): answered here, or in full in the approval panel.
  if (waiting === 'permission') return <PermissionRequestArea bottle={bottle} />;
  if (kind === 'waiting') {
    // The agent line just above says "waiting for you" and its last message; here is what the operator can do.
    const reply = canReply(bottle);
    return (
      <div className="status-area attention" data-testid="agent-waiting" data-attention="waiting">
        <span className="attention-label">{reply ? 'Reply' : (agentStatusLine(bottle) ?? 'waiting for you')}</span>
        {reply ? <ReplyBox identity={bottle.identity} /> : <span className="attention-text">Answer it in its terminal.</span>}
      </div>
    );
  }
  if (kind === 'corrupt') {
    return (
      <div className="status-area problem" data-testid="corrupt-reason" data-attention="corrupt">
        <span className="attention-label">Corrupt state</span>
        <span className="attention-text" title={bottle.corruptReason ?? undefined}>
          {bottle.corruptReason ?? 'metadata.json cannot be read'} — Remove deletes the broken state folder.
        </span>
      </div>
    );
  }
  if (kind === 'orphan') {
    return (
      <div className="status-area problem" data-testid="orphan-reason" data-attention="orphan">
        <span className="attention-label">Orphan container</span>
        <span className="attention-text">Its state folder is gone, so it cannot be resumed. Remove deletes the container.</span>
      </div>
    );
  }
  const warning = bottle.warnings[bottle.warnings.length - 1];
  if (kind === 'warning' && warning !== undefined) {
    return (
      <div className="status-area warning" data-testid="inbox-warning" data-attention="warning">
        <span className="attention-label">{bottle.warnings.length > 1 ? `${bottle.warnings.length} bad requests` : 'Bad request'}</span>
        <span className="attention-text" title={escapeControl(`${warning.file}: ${warning.message}`)}>
          {escapeLine(`${warning.file}: ${warning.message}`)}
        </span>
      </div>
    );
  }
  // A finished turn is no request, yet the agent takes the next instruction: the Reply box.
  if (canReply(bottle)) {
    return (
      <div className="status-area quiet" data-testid="status-hint" data-attention="hint">
        <span className="attention-label">Reply</span>
        <ReplyBox identity={bottle.identity} />
      </div>
    );
  }
  return (
    <div className="status-area quiet" data-testid="status-hint" data-attention="hint">
      <span className="attention-text">{quietHint(bottle)}</span>
    </div>
  );
}

/** What the operator can do next, in the space the card keeps for attention anyway. */
function quietHint(bottle: BottleView): string {
  switch (bottle.status) {
    case 'running':
      return 'The agent is running. Open its terminal to follow or talk to it.';
    case 'starting':
    case 'building':
      return 'Getting the bottle ready…';
    case 'exited':
      return `The container exited${bottle.exitCode !== null ? ` with code ${bottle.exitCode}` : ''}. Resume continues with the saved transcript.`;
    case 'ready-to-resume':
      return bottle.readyReason === 'approved'
        ? 'Rebuilt and ready. Resume continues with the saved transcript and the new image.'
        : 'Stopped, with its state saved. Resume continues with the saved transcript.';
    case 'missing-container':
      return 'No container right now. Resume starts one from the saved state.';
    case 'engine-offline':
      return `Its Docker engine (${bottle.engine}) does not answer. The bottle shows again as soon as it does; its state is safe here.`;
    default:
      return '';
  }
}
