import type { JSX } from 'react';
import { useEngineStore } from '../stores/engine-store';

/** Shown while Docker is unreachable: what is wrong, how to fix it, and that the app still works. */
export function EngineBanner(): JSX.Element | null {
  const status = useEngineStore((state) => state.status);
  const link = useEngineStore((state) => state.link);
  if (link === 'disconnected') {
    return (
      <div className="banner banner-warn" role="alert" data-testid="link-banner">
        <strong>
          Lost the connection to <code>claude-bottle serve</code>.
        </strong>{' '}
        Reconnecting… If the server stopped, start it again and open the new URL it prints.
      </div>
    );
  }
  if (status === null || status.state === 'connected') return null;
  return (
    <div className="banner banner-bad" role="alert" data-testid="engine-banner">
      <div>
        <strong>Docker is not running.</strong>{' '}
        {status.message ?? 'Start Docker Desktop, or on Linux run sudo systemctl start docker (or sudo dockerd).'}
      </div>
      <div className="banner-help">
        Looked at <code>{status.endpoint}</code> ({status.endpointSource}). The bottles below come from the state folder; starting, stopping
        and terminals come back on their own as soon as Docker answers.
      </div>
    </div>
  );
}
