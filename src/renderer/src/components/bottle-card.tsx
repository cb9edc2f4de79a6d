import { memo, type JSX } from 'react';
import { useBottle } from '../stores/bottles-store';
import { useSignedOut } from '../stores/credentials-store';
import { useEngineStore } from '../stores/engine-store';
import { useUiStore } from '../stores/ui-store';
import { attentionState } from '../../../shared/attention-state';
import { escapeControl } from '../../../shared/escape-text';
import { formatBytes } from '../../../shared/format-bytes';
import { exactTime, relativeTime, shortId, shortPath } from '../lib/format';
import { AgentLine } from './agent-line';
import { BottleStats } from './bottle-stats';
import { CardActions } from './card-actions';
import { CardStatusArea } from './card-status-area';
import { FamilyLine } from './family-line';
import { StatusPill } from './status-pill';

export function StartedAt({ iso }: { iso: string }): JSX.Element {
  const now = useUiStore((state) => state.now);
  return (
    <time dateTime={iso} title={exactTime(iso)}>
      {relativeTime(iso, now)}
    </time>
  );
}

function Fact({ label, value, title }: { label: string; value: string; title?: string }): JSX.Element {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd title={title ?? value}>{value}</dd>
    </div>
  );
}

/** The agent's credential set can no longer sign in (issue 20): why, in the tooltip. */
function SignedOutMark({ credentialSet }: { credentialSet: string | null }): JSX.Element | null {
  const signedOut = useSignedOut(credentialSet);
  if (signedOut === null) return null;
  return (
    <span
      className="badge-signed-out"
      title={`Signed out: ${escapeControl(signedOut.reason)}. Sign in again; bottles then use the new login.`}
      data-testid="signed-out-mark"
    >
      signed out
    </span>
  );
}

/** One bottle; selects only its own record, so an event re-renders one card, not the list. */
export const BottleCard = memo(function BottleCard({ identity }: { identity: string }): JSX.Element | null {
  const bottle = useBottle(identity);
  // While Docker is unreachable, container states are only the last ones seen: say so, don't pretend.
  const engineDown = useEngineStore((state) => state.status?.state === 'unavailable');
  if (bottle === undefined) return null;
  const mode = bottle.copyCwd === null ? '—' : bottle.copyCwd ? 'copied' : 'mounted';
  return (
    <article
      className={`card card-${bottle.status} ${engineDown ? 'is-stale' : ''} ${attentionState(bottle) === 'early-exit' ? 'has-early-exit' : ''}`}
      aria-label={`Bottle ${identity}`}
      data-testid="bottle-card"
      data-identity={identity}
    >
      <div className="card-head">
        <StatusPill status={bottle.status} exitCode={bottle.exitCode} stale={engineDown} />
        <h3 className="card-identity">{identity}</h3>
        {bottle.name !== null ? (
          <span className="card-name" title={`Name: ${escapeControl(bottle.name)}`} data-testid="card-name">
            {escapeControl(bottle.name)}
          </span>
        ) : null}
        <span className="card-agent">{bottle.agentName ?? 'unknown agent'}</span>
        <FamilyLine bottle={bottle} layout="card" />
        {bottle.autonomous ? (
          <span
            className="badge-autonomous"
            title="Launched autonomous: the agent runs without asking before each command"
            data-testid="autonomous-badge"
          >
            autonomous
          </span>
        ) : null}
        <SignedOutMark credentialSet={bottle.credentialSet} />
        {bottle.engine !== 'default' ? (
          <span className="card-engine" title={`Docker context ${bottle.engine}`} data-testid="card-engine">
            on {bottle.engine}
          </span>
        ) : null}
        {bottle.warnings.length > 0 && attentionState(bottle) !== 'warning' ? (
          <span
            className="badge-warning"
            title={escapeControl(bottle.warnings.map((warning) => `${warning.file}: ${warning.message}`).join('\n'))}
          >
            {bottle.warnings.length === 1 ? '1 bad request' : `${bottle.warnings.length} bad requests`}
          </span>
        ) : null}
        {bottle.status === 'running' ? <BottleStats identity={identity} layout="card" /> : null}
        <span className="card-started">{bottle.startedAt !== null ? <StartedAt iso={bottle.startedAt} /> : null}</span>
      </div>
      <dl className="card-facts">
        <Fact label="Folder" value={bottle.cwd === null || bottle.cwd === '' ? '—' : shortPath(bottle.cwd)} title={bottle.cwd ?? ''} />
        <Fact label="Mode" value={mode} />
        <Fact
          label="Container"
          value={bottle.containerId === null ? '—' : shortId(bottle.containerId)}
          title={bottle.containerId ?? 'no container'}
        />
        <Fact label="Image" value={bottle.image ?? '—'} />
        <Fact
          label="State"
          value={bottle.stateBytes === null ? '—' : formatBytes(bottle.stateBytes)}
          title={
            bottle.stateBytes === null
              ? 'Size of the state folder: measured when the bottle is shown or changes'
              : `${bottle.stateBytes} bytes in the state folder (snapshots, inbox, journal)`
          }
        />
      </dl>
      <AgentLine bottle={bottle} />
      <CardStatusArea bottle={bottle} />
      <CardActions bottle={bottle} engineDown={engineDown} />
    </article>
  );
});
