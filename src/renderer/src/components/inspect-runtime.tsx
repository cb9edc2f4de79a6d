import type { JSX } from 'react';
import type { InspectNetwork, InspectRunAs } from '../../../shared/bottle-inspect';

/** The warning the core gives when the container runs as uid 0: what it means and what to do. */
export function RootWarning({ runAs }: { runAs: InspectRunAs }): JSX.Element | null {
  if (runAs.rootWarning === null) return null;
  return (
    <div className="inspect-warning" role="alert" data-testid="inspect-root-warning">
      <strong>Warning.</strong> {runAs.rootWarning}
    </div>
  );
}

/** The uid the container's user resolves to, or why it could not be told. */
export function RunAsUid({ runAs }: { runAs: InspectRunAs }): JSX.Element {
  if (runAs.uid === null) return <span className="muted">(uid unknown: {runAs.uidError})</span>;
  return (
    <span className={runAs.uid === 0 ? 'inspect-root' : 'muted'} data-testid="inspect-uid">
      (uid {runAs.uid}
      {runAs.uid === 0 ? ', root' : ''})
    </span>
  );
}

/** Environment variable names only: the core never sends a value. */
export function EnvNames({ names }: { names: string[] }): JSX.Element {
  if (names.length === 0) return <p className="muted">none</p>;
  return (
    <>
      <p className="muted">Names only: values are never shown, since some are passed through from your shell.</p>
      <ul className="inspect-env" data-testid="inspect-env">
        {names.map((name) => (
          <li key={name}>
            <code>{name}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

const ROLE_TEXT: Record<InspectNetwork['role'], string> = {
  gateway: 'gateway network: the bottle’s own, whose only other member is the gateway',
  'engine-default': 'the engine’s default network: reaches what the host reaches',
  other: 'another network',
};

export function Networks({ networks }: { networks: InspectNetwork[] }): JSX.Element {
  if (networks.length === 0) return <p className="muted">none</p>;
  return (
    <table className="inspect-mounts" data-testid="inspect-networks">
      <thead>
        <tr>
          <th>Network</th>
          <th>Address</th>
          <th>What it is</th>
        </tr>
      </thead>
      <tbody>
        {networks.map((network) => (
          <tr key={network.name} data-role={network.role}>
            <td>
              <code>{network.name}</code>
            </td>
            <td>{network.ipAddress === null ? <span className="muted">—</span> : <code>{network.ipAddress}</code>}</td>
            <td>{ROLE_TEXT[network.role]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The engine's own JSON, folded until asked for; its environment values were redacted by the core. */
export function RawJson({ json }: { json: string }): JSX.Element {
  return (
    <details className="inspect-raw" data-testid="inspect-raw">
      <summary>Raw JSON</summary>
      <p className="muted">As the engine reports it, with every environment value replaced by “…”.</p>
      <pre className="inspect-dockerfile" data-testid="inspect-raw-json">
        {json}
      </pre>
    </details>
  );
}
