import { SecretPlacements } from './secret-placements';
import { useEffect, useState, type JSX } from 'react';
import type { ProjectAgentReview } from '../../../shared/bottle-view';
import { escapeControl, escapeLine } from '../../../shared/escape-text';
import { formatBytes } from '../../../shared/format-bytes';
import { invoke, messageOf } from '../api/api';
import { loadAgents } from '../api/app-bridge';
import { useLaunchStore } from '../stores/launch-store';
import { useUiStore } from '../stores/ui-store';
import { RiskNotes } from './risk-notes';

const TRUST_WORDS = { trusted: 'trusted', untrusted: 'not trusted yet', changed: 'changed since you trusted it' } as const;

/**
 * The Trust step for a project's own agent: its agent.json and Dockerfile in full (escaped), the
 * variables it would receive, risk notes, and the other files its build can use. Trusting records
 * the hash of exactly what is shown here; any later change to the folder asks again.
 */
export function TrustPanel({ agent, cwd }: { agent: string; cwd: string }): JSX.Element {
  const closePanel = useUiStore((state) => state.closePanel);
  const notify = useUiStore((state) => state.notify);
  const [review, setReview] = useState<ProjectAgentReview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    invoke('agents:review', { cwd, name: agent }).then(
      (result) => live && setReview(result),
      (failure: unknown) => live && setError(messageOf(failure)),
    );
    return () => {
      live = false;
    };
  }, [agent, cwd]);

  if (error !== null)
    return (
      <p className="panel-empty is-error" role="alert">
        Could not read {agent}: {error}
      </p>
    );
  if (review === null)
    return (
      <p className="panel-empty" role="status">
        Reading {agent}…
      </p>
    );

  const trust = async (): Promise<void> => {
    setBusy(true);
    try {
      await invoke('agents:trust', { cwd, name: agent, contextHash: review.contextHash });
      await loadAgents(cwd);
      useLaunchStore.getState().setAgent(agent);
      notify('info', `Trusted ${agent}: it can start now`);
      closePanel();
    } catch (failure: unknown) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="approval trust" data-testid="trust-panel">
      <section className="trust-warning" role="note">
        <p>
          <strong>{agent}</strong> comes from the project folder (<code>{escapeControl(review.dir)}</code>), and a repository is untrusted
          input. Its Dockerfile runs as root while the image builds, and the agent receives{' '}
          {review.env.length === 0 ? (
            'no host variables'
          ) : (
            <>
              these host variables:{' '}
              {review.env.map((name) => (
                <code key={name}>{name}</code>
              ))}
            </>
          )}
          .
        </p>
        <p className="muted">
          Status: <span data-testid="trust-state">{TRUST_WORDS[review.trust]}</span>. Trust is pinned to these files: if anything in the
          folder changes, you are asked again.
        </p>
      </section>
      <RiskNotes risks={review.risks} />
      <section>
        <h3>Secrets</h3>
        <SecretPlacements secrets={review.secrets} testId="trust-secrets" />
      </section>
      <section>
        <h3>agent.json</h3>
        <pre className="file-view" data-testid="trust-agent-json">
          {escapeControl(review.agentJson)}
        </pre>
      </section>
      <section>
        <h3>Dockerfile</h3>
        <pre className="file-view" data-testid="trust-dockerfile">
          {escapeControl(review.dockerfile)}
        </pre>
      </section>
      {review.otherFiles.length > 0 ? (
        <section>
          <h3>Other files its build can use</h3>
          <ul className="file-list">
            {review.otherFiles.map((file) => (
              <li key={file.path}>
                <code>{escapeLine(file.path)}</code> <span className="muted">{formatBytes(file.bytes)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="approval-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy || review.trust === 'trusted'}
          onClick={() => void trust()}
          data-testid="trust-button"
        >
          {review.trust === 'trusted' ? 'Trusted' : busy ? 'Trusting…' : `Trust ${agent}`}
        </button>
        <button type="button" className="button" onClick={closePanel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
