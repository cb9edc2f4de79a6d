/**
 * The credentials table the core pushed last (credentials-message.ts checked it): what the gateway
 * needs at each CONNECT (does this bottle's set sign requests to this host:port; with which
 * certificate; where to send them) and at each request inside (the injections now: a refreshed
 * token applies to a keep-alive connection at its next request). A new table is built whole before
 * it replaces the old one, so a table that cannot be used changes nothing.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { parseIpLiteral } from '../shared/network-policy';
import type { PinnedTarget } from './address-check';
import type { CredentialsMessage, Injection, TokenEndpoint } from './credentials-message';

/** Where a host:port's connections go instead of its DNS answer (the operator's `credentialUpstreams`). */
export interface UpstreamOverride {
  target: PinnedTarget;
  port: number;
  /** The CA to verify the upstream against; null: Node's root CAs. */
  ca: string | null;
}

/** What a CONNECT to an injection host:port needs, or why it cannot be served. */
export type InjectionPlan = { ok: true; context: SecureContext } | { ok: false; reason: string };

function key(host: string, port: number): string {
  return `${host}:${port}`;
}

interface Built {
  /** set -> "host:port" -> that set's injections there. */
  injections: Map<string, Map<string, Injection[]>>;
  /** set -> where its bottles refresh their login (answered here when they send the placeholder). */
  tokenEndpoints: Map<string, TokenEndpoint>;
  contexts: Map<string, SecureContext>;
  upstreams: Map<string, UpstreamOverride>;
}

function build(message: CredentialsMessage): Built {
  const injections = new Map<string, Map<string, Injection[]>>();
  const tokenEndpoints = new Map<string, TokenEndpoint>();
  for (const { set, injections: list, tokenEndpoint } of message.sets) {
    if (tokenEndpoint !== undefined) tokenEndpoints.set(set, tokenEndpoint);
    const byTarget = new Map<string, Injection[]>();
    for (const injection of list) {
      const at = key(injection.host, injection.port);
      byTarget.set(at, [...(byTarget.get(at) ?? []), injection]);
    }
    injections.set(set, byTarget);
  }
  // Made once per table, not per connection: parsing the key is the costly part of a handshake's set-up.
  const contexts = new Map(message.certificates.map((entry) => [entry.host, createSecureContext({ cert: entry.cert, key: entry.key })]));
  const upstreams = new Map<string, UpstreamOverride>();
  for (const entry of message.upstreams) {
    const address = parseIpLiteral(entry.address);
    if (address === null) throw new Error(`upstream ${entry.host}:${entry.port}: ${entry.address} is not an address`);
    upstreams.set(key(entry.host, entry.port), {
      target: { address: address.text, family: address.family },
      port: entry.addressPort,
      ca: entry.ca,
    });
  }
  return { injections, tokenEndpoints, contexts, upstreams };
}

export class CredentialTable {
  private table: Built = { injections: new Map(), tokenEndpoints: new Map(), contexts: new Map(), upstreams: new Map() };

  /** Replaces the table; a one-line reason (and the old table kept) when it cannot be used. */
  replace(message: CredentialsMessage): string | null {
    try {
      this.table = build(message);
      return null;
    } catch (error: unknown) {
      // The TLS library's reason names what it could not load, never a header value.
      return `credentials table not used: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** The injections a request to host:port from a bottle of `set` gets now (none: sent as is). */
  injections(set: string | undefined, host: string, port: number): readonly Injection[] {
    if (set === undefined) return [];
    return this.table.injections.get(set)?.get(key(host, port)) ?? [];
  }

  /** The token endpoint of a bottle of `set` at host:port, or null (requests there are only signed, if at all). */
  tokenEndpoint(set: string | undefined, host: string, port: number): TokenEndpoint | null {
    if (set === undefined) return null;
    const endpoint = this.table.tokenEndpoints.get(set);
    return endpoint !== undefined && endpoint.host === host && endpoint.port === port ? endpoint : null;
  }

  /**
   * null: a plain tunnel (no set, or neither an injection nor the set's token endpoint at this
   * host:port); else the certificate to terminate with.
   */
  plan(set: string | undefined, host: string, port: number): InjectionPlan | null {
    if (this.injections(set, host, port).length === 0 && this.tokenEndpoint(set, host, port) === null) return null;
    const context = this.table.contexts.get(host);
    if (context === undefined) return { ok: false, reason: `no certificate for ${host}: the gateway cannot sign this request` };
    return { ok: true, context };
  }

  upstream(host: string, port: number): UpstreamOverride | null {
    return this.table.upstreams.get(key(host, port)) ?? null;
  }
}

/**
 * The headers as sent (Node's rawHeaders: name, value, name, value, …) with, in each header an
 * injection names, every occurrence of its placeholder replaced by its value. Nothing else changes.
 */
export function injectHeaders(rawHeaders: readonly string[], injections: readonly Injection[]): string[] {
  const out = [...rawHeaders];
  for (let index = 0; index + 1 < out.length; index += 2) {
    const name = (out[index] ?? '').toLowerCase();
    for (const injection of injections)
      if (injection.header === name) out[index + 1] = (out[index + 1] ?? '').split(injection.placeholder).join(injection.value);
  }
  return out;
}
