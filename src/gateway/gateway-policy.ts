/**
 * What the gateway asks of a policy, and the simple table-driven one it runs with: rules pushed over
 * the control channel, matched on host and port, scoped to a bottle, an agent or every bottle. The
 * full policy (src/shared/network-policy.ts) can stand behind the same interface.
 */
import { canonicalHost } from './address-check';
import type { BottleEntry, GatewayProtocol, GatewayRule } from './control-protocol';

export interface GatewayTarget {
  /** Canonical host (see canonicalHost): lower case, no brackets, IPv4 in dotted form. */
  host: string;
  port: number;
  protocol: GatewayProtocol;
}

export interface PolicyVerdict {
  verdict: 'allow' | 'deny' | 'ask';
  by: 'rule' | 'mode';
  /** The rule or mode that decided, in words, for the log. */
  reason: string;
}

export interface GatewayPolicy {
  /** The verdict for a new connection, taken before the name is resolved (no DNS for what is refused). */
  decide(source: BottleEntry, target: GatewayTarget): PolicyVerdict;
  /** Whether a resolved private/loopback/link-local address may be dialled: only if an allow rule names it exactly. */
  mayDialSpecial(source: BottleEntry, address: string, port: number): boolean;
}

function ruleApplies(rule: GatewayRule, source: BottleEntry): boolean {
  if (rule.identity !== undefined && rule.identity !== source.identity) return false;
  if (rule.agent !== undefined && rule.agent !== source.agent) return false;
  return true;
}

function portMatches(rule: GatewayRule, port: number): boolean {
  return rule.port === '*' || rule.port === port;
}

/** `*.example.com` matches a subdomain of example.com (never example.com itself, never evil-example.com). */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** A rule's host in the form targets are compared in (`*.` kept); a host no parser accepts matches nothing. */
function canonicalPattern(host: string): string {
  if (host.startsWith('*.')) {
    const suffix = canonicalHost(host.slice(2));
    return suffix === null ? '\0' : `*.${suffix}`;
  }
  return canonicalHost(host) ?? '\0';
}

/** Most specific first: a bottle's rule beats an agent's, which beats an all-bottles rule; deny beats allow at one level. */
function rank(rule: GatewayRule): number {
  const scope = rule.identity !== undefined ? 0 : rule.agent !== undefined ? 2 : 4;
  return scope + (rule.action === 'deny' ? 0 : 1);
}

export class TableGatewayPolicy implements GatewayPolicy {
  private rules: GatewayRule[] = [];

  /** Replaces every rule (those the operator's answers added included: the core's table is the whole truth). */
  setRules(rules: readonly GatewayRule[]): void {
    this.rules = rules.map((rule) => ({ ...rule, host: canonicalPattern(rule.host) })).sort((a, b) => rank(a) - rank(b));
  }

  /** Adds one rule at once, ahead of the core's next push (an answer scoped to the bottle or the agent). */
  addRule(rule: GatewayRule): void {
    this.setRules([...this.rules, rule]);
  }

  decide(source: BottleEntry, target: GatewayTarget): PolicyVerdict {
    const rule = this.rules.find(
      (candidate) => ruleApplies(candidate, source) && portMatches(candidate, target.port) && hostMatches(candidate.host, target.host),
    );
    if (rule !== undefined) return { verdict: rule.action, by: 'rule', reason: `rule ${rule.action} ${rule.host}:${rule.port}` };
    if (source.mode === 'open') return { verdict: 'allow', by: 'mode', reason: 'mode open' };
    if (source.mode === 'locked') return { verdict: 'deny', by: 'mode', reason: 'mode locked: no rule allows it' };
    return { verdict: 'ask', by: 'mode', reason: 'mode ask: no rule for it' };
  }

  mayDialSpecial(source: BottleEntry, address: string, port: number): boolean {
    const exact = canonicalHost(address);
    const rule = this.rules.find((candidate) => ruleApplies(candidate, source) && portMatches(candidate, port) && candidate.host === exact);
    return rule?.action === 'allow';
  }
}
