import { createTwoFilesPatch } from 'diff';
import { useMemo, useState, type JSX } from 'react';
import type { PendingRequestView } from '../../../shared/bottle-view';
import { dockerfileRiskNotes } from '../../../shared/dockerfile-risks';
import { editedDockerfileProblem } from '../../../shared/rules';
import { riskFlags } from '../lib/risk-flags';
import { DiffView } from './diff-view';
import { RiskNotes } from './risk-notes';

/**
 * Approve with edits: the operator changes the proposed Dockerfile (drops a `curl | sh`, pins a
 * version) and approves that text instead. What changed and the risk notes of the edited text are
 * recomputed as they type, so they are read before the approval, never after; the core builds
 * exactly this text and tells the agent what changed.
 */
export function DockerfileEdit({
  request,
  busy,
  onApprove,
  onCancel,
}: {
  request: PendingRequestView;
  busy: 'approve' | 'approve-resume' | 'reject' | null;
  onApprove: (resume: boolean, dockerfile: string) => void;
  onCancel: () => void;
}): JSX.Element {
  const [text, setText] = useState(request.proposedDockerfile);
  const problem = editedDockerfileProblem(text);
  const risks = useMemo(() => dockerfileRiskNotes(text, request.currentDockerfile), [text, request.currentDockerfile]);
  const edits = useMemo(
    () => createTwoFilesPatch('Dockerfile', 'Dockerfile', request.proposedDockerfile, text, 'proposed', 'approved', { context: 2 }),
    [request.proposedDockerfile, text],
  );
  const unchanged = text === request.proposedDockerfile;
  const blocked = busy !== null || problem !== null;
  return (
    <section className="dockerfile-edit" data-testid="dockerfile-edit">
      <label htmlFor="dockerfile-editor">
        <h3>Edit the Dockerfile before it is built</h3>
      </label>
      <textarea
        id="dockerfile-editor"
        data-testid="dockerfile-editor"
        className="dockerfile-editor"
        spellCheck={false}
        rows={Math.min(18, Math.max(6, text.split('\n').length + 1))}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      {problem !== null ? (
        <p className="is-error" role="alert">
          {problem}
        </p>
      ) : null}
      <h3>Your changes to the agent&apos;s proposal</h3>
      {unchanged ? (
        <p className="muted">None yet: approving now approves the proposal as it is.</p>
      ) : (
        <DiffView diff={edits} label="Your changes" flags={riskFlags(risks)} />
      )}
      <RiskNotes risks={risks} />
      <p className="muted approval-explain">
        The bottle is built from exactly this text, and the agent is told what you changed (the diff above).
      </p>
      <div className="approval-actions">
        <button type="button" className="button button-primary" disabled={blocked} onClick={() => onApprove(true, text)}>
          {busy === 'approve-resume' ? 'Approving…' : 'Approve edits & resume'}
        </button>
        <button type="button" className="button" disabled={blocked} onClick={() => onApprove(false, text)}>
          {busy === 'approve' ? 'Approving…' : 'Approve edits'}
        </button>
        <button type="button" className="button button-quiet" disabled={busy !== null} onClick={onCancel}>
          Cancel editing
        </button>
      </div>
    </section>
  );
}
