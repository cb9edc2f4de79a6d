import { useEffect, useState, type JSX } from 'react';
import { waitsForOperator } from '../../../shared/attention-state';
import { bottleWaitingRequests } from '../../../shared/waiting-requests';
import type { BottleView, PendingRequestSummary, PendingRequestView } from '../../../shared/bottle-view';
import { escapeControl } from '../../../shared/escape-text';
import { invoke, messageOf } from '../api/api';
import { runAction } from '../lib/bottle-actions';
import { exactTime, relativeTime } from '../lib/format';
import { useBottle } from '../stores/bottles-store';
import { useUiStore } from '../stores/ui-store';
import { riskFlags } from '../lib/risk-flags';
import { ApprovalProgress } from './approval-progress';
import { DiffView } from './diff-view';
import { DockerfileEdit } from './dockerfile-edit';
import { NetworkApproval } from './network-approval';
import { PermissionApproval } from './permission-approval';
import { RiskNotes } from './risk-notes';

type Busy = 'approve' | 'approve-resume' | 'reject' | null;

/**
 * The request under review in full. Views carry a summary only, so the panel fetches the diff,
 * both Dockerfiles and the risk notes of the one request it shows (again when a new build error
 * or another approval changes it).
 */
function useFullRequest(
  identity: string,
  requestId: string | null,
  buildError: string | null,
): { request: PendingRequestView | null; error: string | null } {
  const [state, setState] = useState<{ request: PendingRequestView | null; error: string | null }>({ request: null, error: null });
  useEffect(() => {
    if (requestId === null) return;
    let live = true;
    invoke('bottle:request', identity, requestId).then(
      (request) => live && setState({ request, error: null }),
      (error: unknown) => live && setState({ request: null, error: messageOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [identity, requestId, buildError]);
  return state.request?.id === requestId || state.error !== null ? state : { request: null, error: null };
}

/**
 * What a bottle waits on the operator for: its agent's permission questions (issue 21), its held
 * network connections (issue 19), then its Dockerfile request. Each part answers on its own; the
 * panel closes when the last waiting request is answered here, and says nothing waits when one
 * went away by itself (a question answered in the agent's terminal).
 */
export function ApprovalPanel({ identity }: { identity: string }): JSX.Element {
  const bottle = useBottle(identity);
  const closePanel = useUiStore((state) => state.closePanel);
  // An approval building (or a start) while nothing else waits: its progress, not "nothing waiting".
  if (bottle !== undefined && !waitsForOperator(bottle) && bottle.activity !== null && bottle.activity.error === null) {
    return <ApprovalProgress activity={bottle.activity} />;
  }
  if (bottle === undefined || !waitsForOperator(bottle)) {
    return <p className="panel-empty">No request is waiting for {identity}.</p>;
  }
  // Counted by the rule the title and the notifications count with.
  const closeIfLast = (): void => {
    if (bottleWaitingRequests(bottle).length <= 1) closePanel();
  };
  return (
    <div className="approval" data-testid="approval-panel">
      <PermissionApproval bottle={bottle} onAnswered={closeIfLast} />
      <NetworkApproval bottle={bottle} />
      {bottle.pendingRequest !== null ? <DockerfileApproval bottle={bottle} summary={bottle.pendingRequest} /> : null}
    </div>
  );
}

/** The operator's decision on one capability-block request: reason, risk notes, diff, approve / reject. */
function DockerfileApproval({ bottle, summary }: { bottle: BottleView; summary: PendingRequestSummary }): JSX.Element {
  const identity = bottle.identity;
  const now = useUiStore((state) => state.now);
  const closePanel = useUiStore((state) => state.closePanel);
  const notify = useUiStore((state) => state.notify);
  const [busy, setBusy] = useState<Busy>(null);
  const [message, setMessage] = useState('');
  const [editing, setEditing] = useState(false);
  const { request, error } = useFullRequest(identity, summary.id, summary.buildError);

  if (error !== null)
    return (
      <p className="panel-empty is-error" role="alert">
        Could not read the request: {error}
      </p>
    );
  if (request === null)
    return (
      <p className="panel-empty" role="status">
        Reading the request…
      </p>
    );

  const approve = async (resume: boolean, dockerfile?: string): Promise<void> => {
    setBusy(resume ? 'approve-resume' : 'approve');
    // With the hash of what is shown here: if the proposal changed meanwhile, the core refuses (an
    // edit too: it was made to that proposal).
    const edited = dockerfile !== undefined && dockerfile !== request.proposedDockerfile ? { dockerfile } : {};
    const options = { requestId: request.id, resume, proposalHash: request.proposalHash, ...edited };
    const ok = await runAction(`Approve for ${identity}`, () => invoke('bottle:approve', identity, options));
    setBusy(null);
    if (ok) {
      const how = 'dockerfile' in edited ? 'Approved with your edits' : 'Approved';
      notify('info', resume ? `${how}; ${identity} is resuming with the new image` : `${how}; ${identity} is ready to resume`);
      if (bottle.networkPending.length === 0) closePanel();
    }
  };
  const reject = async (): Promise<void> => {
    setBusy('reject');
    const ok = await runAction(`Reject for ${identity}`, () =>
      invoke('bottle:reject', identity, { requestId: request.id, message: message.trim() }),
    );
    setBusy(null);
    if (ok) {
      notify('info', `Rejected the request from ${identity}`);
      if (bottle.networkPending.length === 0) closePanel();
    }
  };
  const activity = bottle.activity;

  return (
    <div className="approval-dockerfile" data-testid="dockerfile-approval">
      <section className="approval-reason">
        <h3>Reason</h3>
        <p data-testid="approval-reason">{escapeControl(request.reason)}</p>
        <p className="muted">
          Request <code>{request.id}</code>, <time title={exactTime(request.createdAt)}>{relativeTime(request.createdAt, now)}</time>
          {bottle.pendingCount > 1 ? ` · ${bottle.pendingCount - 1} more waiting after it` : ''}
        </p>
      </section>
      {request.buildError !== null ? (
        <section className="approval-error" role="alert" data-testid="build-error">
          <h3>The last build of this request failed</h3>
          <pre>{escapeControl(request.buildError)}</pre>
        </section>
      ) : null}
      {editing ? null : (
        <>
          <RiskNotes risks={request.risks} />
          <section>
            <h3>Dockerfile changes</h3>
            <DiffView diff={request.diff} flags={riskFlags(request.risks)} />
          </section>
        </>
      )}
      {activity !== null ? (
        <p className="approval-progress" role="status">
          {activity.kind}
          {activity.step !== null ? ` — step ${activity.step}/${activity.totalSteps ?? '?'}` : ''}
          {activity.logTail.length > 0 ? `: ${activity.logTail[activity.logTail.length - 1]}` : ''}
        </p>
      ) : null}
      {editing ? (
        <DockerfileEdit
          request={request}
          busy={busy}
          onApprove={(resume, dockerfile) => void approve(resume, dockerfile)}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <p className="muted approval-explain" data-testid="approve-explain">
            Both build the new image and replace the container; <strong>Approve</strong> then leaves the bottle stopped, ready to resume,
            and <strong>Approve &amp; resume</strong> starts it again at once.
          </p>
          <div className="approval-actions">
            <button type="button" className="button button-primary" disabled={busy !== null} onClick={() => void approve(true)}>
              {busy === 'approve-resume' ? 'Approving…' : 'Approve & resume'}
            </button>
            <button type="button" className="button" disabled={busy !== null} onClick={() => void approve(false)}>
              {busy === 'approve' ? 'Approving…' : 'Approve'}
            </button>
            <button type="button" className="button button-quiet" disabled={busy !== null} onClick={() => setEditing(true)}>
              Approve with edits…
            </button>
          </div>
        </>
      )}
      <section className="approval-reject">
        <label htmlFor="reject-message">
          <h3>Reject with a message to the agent</h3>
        </label>
        <textarea
          id="reject-message"
          rows={3}
          maxLength={2000}
          placeholder="e.g. Use the tools already installed instead."
          value={message}
          onChange={(event) => setMessage(event.target.value)}
        />
        <button type="button" className="button button-danger" disabled={busy !== null} onClick={() => void reject()}>
          {busy === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
      </section>
    </div>
  );
}
