import { parseTargetHost, targetText, type NetworkMode } from '../../shared/network-policy';
import { BottleError } from '../base/bottle-error';
import type { BottleNetworkPolicy } from '../bottles/bottle-network-policy';

/*
 * The two tables the core pushes to an engine's gateway (issue 19; the messages are documented in
 * src/gateway/control-protocol.ts): which bottle each source address is, and every bottle's rules,
 * already collected from all scopes (network.json, settings.json, agent.json). Each push replaces
 * the last whole, so they are built from the truth each time, never patched. Pure.
 */

/** One bottle of ours on a gateway network: its address there, its agent and its policy. */
export interface GatewayBottle {
  ip: string;
  agent: string;
  policy: BottleNetworkPolicy;
}

export interface BottlesMessage {
  type: 'bottles';
  bottles: { ip: string; identity: string; mode: NetworkMode; agent: string }[];
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
    entries.push({ ip: bottle.ip, identity: bottle.policy.identity, mode: bottle.policy.mode, agent: bottle.agent });
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
