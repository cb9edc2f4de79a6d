import { parseTargetHost, targetText, type NetworkMode } from '../../shared/network-policy';
import { BottleError } from '../base/bottle-error';
import type { BottleNetworkPolicy } from '../bottles/bottle-network-policy';
import type { Injection } from '../credentials/credential-plan';
import { placeholderFor } from '../credentials/credential-placeholders';
import { TOKEN_HOST, TOKEN_PATH, TOKEN_PORT } from '../credentials/oauth-token-client';
import type { CredentialUpstream } from '../state/settings-credentials';

/*
 * The tables the core pushes to an engine's gateway (issue 19; the messages are documented in
 * src/gateway/control-protocol.ts): which bottle each source address is, and every bottle's rules,
 * already collected from all scopes (network.json, settings.json, agent.json). Each push replaces
 * the last whole, so they are built from the truth each time, never patched. Pure.
 */

/** One bottle of ours on a gateway network: its address there, its agent and its policy. */
export interface GatewayBottle {
  ip: string;
  agent: string;
  policy: BottleNetworkPolicy;
  /** The credential set whose injections its requests get (issue 20); null: none (its agent declares none). */
  credentialSet: string | null;
  /** That set's injections as the store has them now (empty without a set). */
  injections: Injection[];
}

export interface BottlesMessage {
  type: 'bottles';
  bottles: { ip: string; identity: string; mode: NetworkMode; agent: string; credentialSet?: string }[];
}

export interface RulesMessage {
  type: 'rules';
  rules: { identity: string; rules: { scope: string; effect: 'allow' | 'deny'; pattern: string }[] }[];
}

/** The bottles table: one entry per address (a bottle that shows twice is kept once, its first). */
export function bottlesMessage(bottles: readonly GatewayBottle[]): BottlesMessage {
  const seen = new Set<string>();
  const entries: BottlesMessage['bottles'] = [];
  for (const bottle of bottles) {
    if (seen.has(bottle.ip)) continue;
    seen.add(bottle.ip);
    const { identity, mode } = bottle.policy;
    entries.push({
      ip: bottle.ip,
      identity,
      mode,
      agent: bottle.agent,
      ...(bottle.credentialSet === null ? {} : { credentialSet: bottle.credentialSet }),
    });
  }
  return { type: 'bottles', bottles: entries };
}

/** The rules table: each bottle's rules as pattern texts in canonical form, in the order the policy collected them. */
export function rulesMessage(bottles: readonly GatewayBottle[]): RulesMessage {
  return {
    type: 'rules',
    rules: bottles.map((bottle) => ({
      identity: bottle.policy.identity,
      rules: bottle.policy.rules.map((rule) => ({ scope: rule.scope, effect: rule.effect, pattern: rule.pattern.text })),
    })),
  };
}

/** The rule an answer for a destination adds: exactly the host and port that were held, in canonical text. */
export function answerPattern(host: string, port: number): string {
  const target = parseTargetHost(host);
  if (!target.ok) throw new BottleError('invalid-argument', target.error);
  return targetText(target.value, port);
}

/** A certificate the gateway presents for a host it signs requests for (a leaf of the installation CA; its key, never the CA's). */
export interface HostCertificate {
  host: string;
  cert: string;
  key: string;
}

/**
 * Where Claude Code refreshes a login: the gateway answers a bottle's refresh with the set's
 * placeholders there, never sending it on (a refused placeholder refresh makes Claude Code wipe the
 * bottle's login), and tells the core, which refreshes the real login at home.
 */
export interface TokenEndpoint {
  host: string;
  port: number;
  path: string;
  refreshPlaceholder: string;
  accessPlaceholder: string;
}

export interface CredentialsMessage {
  type: 'credentials';
  sets: {
    set: string;
    injections: { host: string; port: number; header: string; placeholder: string; value: string }[];
    tokenEndpoint?: TokenEndpoint;
  }[];
  certificates: HostCertificate[];
  upstreams: { host: string; port: number; address: string; addressPort: number; ca: string | null }[];
}

/**
 * The credentials table: per set of the bottles on this gateway (and only those), each injection
 * per host:port. Two secrets of one set with one placeholder on one host and header (Claude Code's
 * token variable and its login file share the OAuth kind) keep the first: the bottles' variables
 * come first, as Claude Code prefers them. The upstreams are the operator's, whole.
 */
export function credentialsMessage(
  bottles: readonly GatewayBottle[],
  certificates: readonly HostCertificate[],
  upstreams: readonly CredentialUpstream[],
): CredentialsMessage {
  const sets = new Map<string, CredentialsMessage['sets'][number]>();
  for (const bottle of bottles) {
    if (bottle.credentialSet === null) continue;
    let entry = sets.get(bottle.credentialSet);
    if (entry === undefined) {
      entry = { set: bottle.credentialSet, injections: [] };
      sets.set(bottle.credentialSet, entry);
    }
    for (const injection of bottle.injections)
      for (const { host, port } of injection.hosts) {
        const same = (known: { host: string; port: number; header: string; placeholder: string }): boolean =>
          known.host === host && known.port === port && known.header === injection.header && known.placeholder === injection.placeholder;
        if (!entry.injections.some(same))
          entry.injections.push({ host, port, header: injection.header, placeholder: injection.placeholder, value: injection.value });
      }
  }
  for (const entry of sets.values()) {
    const endpoint = tokenEndpointOf(entry.set, entry.injections);
    if (endpoint !== null) entry.tokenEndpoint = endpoint;
  }
  return {
    type: 'credentials',
    sets: [...sets.values()],
    certificates: certificates.map(({ host, cert, key }) => ({ host, cert, key })),
    upstreams: upstreams.map(({ host, port, address, addressPort, ca }) => ({ host, port, address, addressPort, ca })),
  };
}

/** A set that signs with an OAuth placeholder (a subscription login, or a token variable) gets Claude's token endpoint answered. */
function tokenEndpointOf(set: string, injections: readonly { placeholder: string }[]): TokenEndpoint | null {
  const accessPlaceholder = placeholderFor(set, 'oauth');
  if (!injections.some((injection) => injection.placeholder === accessPlaceholder)) return null;
  return { host: TOKEN_HOST, port: TOKEN_PORT, path: TOKEN_PATH, refreshPlaceholder: placeholderFor(set, 'refresh'), accessPlaceholder };
}

/** The hosts the gateway needs a certificate for: every host an injection of these bottles names, and the token endpoint's. */
export function injectionHosts(bottles: readonly GatewayBottle[]): string[] {
  const hosts = bottles.flatMap((bottle) => [
    ...bottle.injections.flatMap((injection) => injection.hosts.map(({ host }) => host)),
    ...(bottle.credentialSet !== null && tokenEndpointOf(bottle.credentialSet, bottle.injections) !== null ? [TOKEN_HOST] : []),
  ]);
  return [...new Set(hosts)].sort();
}
