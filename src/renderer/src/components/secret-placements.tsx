import type { JSX } from 'react';
import { secretPlacementText, type SecretPlacement } from '../../../shared/secret-placement';

/**
 * Each secret an agent reads and where it goes (issue 20), as the Trust step and the Inspect tab
 * show it: "signed by the gateway for HOSTS" (the bottle holds a placeholder) or "held in the bottle".
 */
export function SecretPlacements({ secrets, testId }: { secrets: SecretPlacement[]; testId: string }): JSX.Element {
  if (secrets.length === 0) return <p className="muted">It reads no secrets.</p>;
  return (
    <ul className="file-list" data-testid={testId}>
      {secrets.map((secret) => (
        <li key={`${secret.kind}:${secret.name}`}>
          <code>{secret.name}</code>{' '}
          <span className={secret.place === 'gateway' ? 'muted' : undefined} data-place={secret.place}>
            {secretPlacementText(secret)}
          </span>
        </li>
      ))}
    </ul>
  );
}
