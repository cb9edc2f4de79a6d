import { parseTargetHost } from './network-patterns';

/**
 * One exact destination a credential is signed for (issue 20: agent.json `credentials`,
 * settings.json `credentialUpstreams`): a host name and a port, never a pattern nor an address. Pure.
 */

/** A destination the gateway signs for: one host name and one port, never a pattern. */
export interface CredentialHost {
  host: string;
  port: number;
}

/** `host:port` read as one exact destination (a lower-case name, a port); a one-line reason otherwise. */
export function parseCredentialHost(text: string): { ok: true; value: CredentialHost } | { ok: false; error: string } {
  const match = /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65535))
    return { ok: false, error: `${JSON.stringify(text.slice(0, 80))} is not HOST:PORT (a host name and a port)` };
  const host = parseTargetHost(match[1] ?? '');
  if (!host.ok) return host;
  if (host.value.kind !== 'name') return { ok: false, error: `${JSON.stringify(text.slice(0, 80))}: name a host, not an address` };
  return { ok: true, value: { host: host.value.name, port } };
}

/** `host:port` in the form parseCredentialHost reads and the table carries. */
export function credentialHostText(host: CredentialHost): string {
  return `${host.host}:${host.port}`;
}
