/**
 * The gateway's policy: each bottle's rules as the core pushed them (every scope already collected,
 * in the shared NetworkRule form), plus the answers the operator gave since, and the decisions,
 * which are the shared module's (src/shared/network-policy.ts: decideNetwork for the target,
 * mayDial for every address it resolves to). Nothing here decides on its own: one home per rule.
 */
import {
  decideNetwork,
  mayDial,
  parseHostPattern,
  type DecidedBy as PolicyDecidedBy,
  type IpAddress,
  type NetworkDecision,
  type NetworkRule,
  type NetworkTarget,
  type Parsed,
  type RuleEffect,
} from '../shared/network-policy';
import type { BottleEntry, BottleRules, DecidedBy } from './control-protocol';

/** The shared policy's `guard` (a hostile or restricted destination) is the gateway log's `check`. */
export function gatewayDecidedBy(by: PolicyDecidedBy): DecidedBy {
  return by === 'guard' ? 'check' : by;
}

export class GatewayPolicy {
  private rules = new Map<string, NetworkRule[]>();

  /** Replaces every bottle's rules (those the operator's answers added too: the core's table is the whole truth). */
  setRules(table: readonly BottleRules[]): void {
    this.rules = new Map(table.map((entry) => [entry.identity, [...entry.rules]]));
  }

  /**
   * Adds the operator's answer at once, ahead of the core's next push: `bottle` for that bottle,
   * `agent` for every bottle of its agent (that bottle alone when its agent is not known). The host
   * is a held request's, so always a name or public address the pattern syntax takes.
   */
  addAnswer(
    bottle: BottleEntry,
    bottles: Iterable<BottleEntry>,
    scope: 'bottle' | 'agent',
    effect: RuleEffect,
    target: NetworkTarget,
  ): Parsed<NetworkRule> {
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const pattern = parseHostPattern(`${host}:${target.port}`);
    if (!pattern.ok) return pattern;
    const rule: NetworkRule = { scope, effect, pattern: pattern.value };
    const sameAgent = (entry: BottleEntry): boolean => bottle.agent !== undefined && entry.agent === bottle.agent;
    const identities = new Set([bottle.identity]);
    if (scope === 'agent') for (const entry of bottles) if (sameAgent(entry)) identities.add(entry.identity);
    for (const identity of identities) this.rules.set(identity, [...this.rulesOf(identity), rule]);
    return { ok: true, value: rule };
  }

  /** The decision for a new (or held) connection, before any name is resolved. */
  decide(bottle: BottleEntry, target: NetworkTarget): NetworkDecision {
    return decideNetwork({ mode: bottle.mode, rules: this.rulesOf(bottle.identity), target });
  }

  /** Whether this address (a name's, or the IP literal asked for) may be dialled on this port. */
  mayDial(bottle: BottleEntry, address: string, port: number): Parsed<IpAddress> {
    return mayDial(address, port, this.rulesOf(bottle.identity));
  }

  private rulesOf(identity: string): readonly NetworkRule[] {
    return this.rules.get(identity) ?? [];
  }
}
