import { useEffect, useState, type JSX, type ReactNode } from 'react';
import type { BottleInspect } from '../../../shared/bottle-inspect';
import { invoke, messageOf } from '../api/api';
import { formatBytes } from '../../../shared/format-bytes';
import { exactTime, shortId } from '../lib/format';
import { SecretPlacements } from './secret-placements';
import { EnvNames, Networks, RawJson, RootWarning, RunAsUid } from './inspect-runtime';

function Row({ label, children }: { label: string; children: ReactNode }): JSX.Element {
  return (
    <div className="inspect-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const none = <span className="muted">—</span>;

function Limits({ limits }: { limits: NonNullable<BottleInspect['limits']> }): JSX.Element {
  return (
    <dl className="inspect-grid">
      <Row label="Memory">{limits.memoryBytes === null ? 'no limit' : formatBytes(limits.memoryBytes)}</Row>
      <Row label="CPUs">{limits.nanoCpus === null ? 'no limit' : (limits.nanoCpus / 1e9).toFixed(2)}</Row>
      <Row label="Processes">{limits.pidsLimit === null ? 'no limit' : limits.pidsLimit.toLocaleString()}</Row>
      <Row label="Capabilities">
        dropped {limits.capDrop.join(', ') || 'none'}; added {limits.capAdd.join(', ') || 'none'}
      </Row>
      <Row label="Security">{[...limits.securityOpt, limits.privileged ? 'PRIVILEGED' : 'not privileged'].join(', ')}</Row>
    </dl>
  );
}

/** How the bottle is built and run: from the engine and the state folder, read when the tab opens. */
export function InspectView({ identity, containerId }: { identity: string; containerId: string | null }): JSX.Element {
  // Each answer is tagged with what it was read for: another bottle (or a new container) shows
  // "Reading…" until its own answer comes, never the previous one's.
  const readFor = `${identity}\0${containerId ?? ''}`;
  const [answer, setAnswer] = useState<{ for: string; inspect: BottleInspect | null; error: string | null } | null>(null);
  useEffect(() => {
    let current = true;
    invoke('bottle:inspect', identity).then(
      (result) => current && setAnswer({ for: readFor, inspect: result, error: null }),
      (failure: unknown) => current && setAnswer({ for: readFor, inspect: null, error: messageOf(failure) }),
    );
    return () => {
      current = false;
    };
  }, [identity, readFor]);
  const { inspect, error } = answer?.for === readFor ? answer : { inspect: null, error: null };

  if (error !== null)
    return (
      <p className="panel-empty is-error">
        Could not inspect {identity}: {error}
      </p>
    );
  if (inspect === null) return <p className="panel-empty">Reading…</p>;
  const { container } = inspect;
  return (
    <div className="inspect" data-testid="inspect-view">
      {container === null ? null : <RootWarning runAs={container.runAs} />}
      <section>
        <h3>Container</h3>
        <dl className="inspect-grid">
          <Row label="Engine">
            <code>{inspect.engine.context ?? inspect.engine.endpoint}</code>{' '}
            <span className="muted">({inspect.engine.context === null ? inspect.engine.source : inspect.engine.endpoint})</span>
          </Row>
          {container === null ? (
            <Row label="Container">none now: the bottle’s state is kept in its folder, and Resume starts a new one</Row>
          ) : (
            <>
              <Row label="Container">
                <code title={container.id}>{container.name}</code>{' '}
                <span className="muted">
                  ({shortId(container.id)}, {container.state})
                </span>
              </Row>
              <Row label="Image">
                <code>{inspect.image}</code>{' '}
                {inspect.imageId === null ? null : (
                  <span className="muted" title={inspect.imageId}>
                    ({shortId(inspect.imageId)})
                  </span>
                )}
              </Row>
              <Row label="Runs as">
                <code data-testid="inspect-user">{container.user ?? 'the image’s user'}</code> <RunAsUid runAs={container.runAs} />
                {container.workdir === null ? null : (
                  <>
                    {' '}
                    in <code>{container.workdir}</code>
                  </>
                )}
              </Row>
              <Row label="Command">
                <code>{container.command.join(' ')}</code>
              </Row>
              <Row label="Started">{container.startedAt === null ? none : exactTime(container.startedAt)}</Row>
            </>
          )}
        </dl>
      </section>
      {inspect.networks.length === 0 ? null : (
        <section>
          <h3>Networks</h3>
          <Networks networks={inspect.networks} />
        </section>
      )}
      {container === null ? null : (
        <section>
          <h3>Environment</h3>
          <EnvNames names={container.envNames} />
        </section>
      )}
      {inspect.limits === null ? null : (
        <section>
          <h3>Limits</h3>
          <Limits limits={inspect.limits} />
        </section>
      )}
      {inspect.mounts.length === 0 ? null : (
        <section>
          <h3>Mounts</h3>
          <table className="inspect-mounts">
            <thead>
              <tr>
                <th>In the bottle</th>
                <th>From the host</th>
                <th>Access</th>
              </tr>
            </thead>
            <tbody>
              {inspect.mounts.map((mount) => (
                <tr key={mount.target}>
                  <td>
                    <code>{mount.target}</code>
                  </td>
                  <td>
                    <code title={mount.source}>{mount.source}</code>
                  </td>
                  <td>{mount.readOnly ? 'read-only' : 'read-write'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section>
        <h3>Secrets</h3>
        <SecretPlacements secrets={inspect.secrets} testId="inspect-secrets" />
      </section>
      <section>
        <h3>State folder</h3>
        <dl className="inspect-grid">
          <Row label="Folder">
            <code>{inspect.stateFolder}</code>
          </Row>
          {inspect.stateBytes === null ? null : <Row label="Size">{formatBytes(inspect.stateBytes)}</Row>}
        </dl>
      </section>
      <section>
        <h3>
          Dockerfile{' '}
          {inspect.dockerfile === null ? null : (
            <span className="muted">
              ({inspect.dockerfile.source === 'bottle' ? 'the bottle’s own, from an approved request' : 'its agent’s'})
            </span>
          )}
        </h3>
        {inspect.dockerfile === null ? (
          <p className="panel-empty is-error">{inspect.dockerfileError}</p>
        ) : (
          <pre className="inspect-dockerfile">{inspect.dockerfile.text}</pre>
        )}
      </section>
      {inspect.engineJson === null ? null : (
        <section>
          <RawJson json={inspect.engineJson} />
        </section>
      )}
    </div>
  );
}
