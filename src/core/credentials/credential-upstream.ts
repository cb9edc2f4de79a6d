import { readCredentialUpstreams } from '../state/settings-credentials';
import { readSettings } from '../state/settings';

/*
 * Where the home refresh sends its request for a host:port: settings.json `credentialUpstreams`
 * (src/core/state/settings-credentials.ts, the one parser the gateway's table uses too), else the
 * host itself. Tests point it at a fake token endpoint.
 */

export interface CredentialUpstream {
  /** The address to connect to instead of the host's own. */
  address: string;
  port: number;
  /** PEM of the CA to trust for it; null: Node's root CAs. */
  ca: string | null;
}

/** Where requests for `host`:`port` (e.g. platform.claude.com:443) go; null: its own address. */
export async function credentialUpstreamFor(host: string, port: number): Promise<CredentialUpstream | null> {
  const upstreams = await readCredentialUpstreams((await readSettings()).credentialUpstreams ?? {});
  const entry = upstreams.find((upstream) => upstream.host === host && upstream.port === port);
  return entry === undefined ? null : { address: entry.address, port: entry.addressPort, ca: entry.ca };
}
