/**
 * A bottle's network policy (issue 19): its mode, the rules of every scope, and the decision for
 * one destination, with the rule or reason that made it (for the log and the refusal the agent
 * reads). Pure (no Node modules): the gateway decides with it, the core validates rules with it,
 * the page shows its records.
 *
 * How a destination is decided, first match wins:
 *  1. A host that is no name or address, a port out of range, an address no rule can open
 *     (cloud metadata, unspecified, multicast, broadcast), or an IPv4 address in any form but
 *     dotted decimal (`0x7f.1`, `2130706433`: resolvers disagree on some): denied (`guard`).
 *  2. A one-shot allow the operator gave for exactly this host and port: allowed (`operator`).
 *  3. The rules, nearest scope first: this bottle's, then the operator's for its agent, then the
 *     operator's for all bottles, then the agent definition's. The first scope with a matching rule
 *     decides; inside one scope a deny beats an allow. So an operator's deny overrides what an agent
 *     declares, and a bottle's own allow overrides a deny for all bottles.
 *  4. An address outside public space (private, loopback, link-local, CGNAT, unique-local,
 *     reserved) that no operator rule names exactly: denied (`guard`), in every mode; an agent
 *     definition can never open one.
 *  5. The mode (`mode`): `open` allows, `locked` denies, `ask` holds it for the operator.
 * After a name is allowed, every address it resolves to goes through `mayDial` before it is dialled
 * (a name that resolves to a private address is DNS rebinding unless a rule names that address).
 */
import { isAlternateIpv4Form, NEVER_DIALLED, parseIpLiteral, type IpAddress } from './network-address';
import {
  parseHostPattern,
  parseTargetHost,
  patternMatches,
  targetText,
  type HostPattern,
  type HostTarget,
  type Parsed,
} from './network-patterns';

export * from './network-address';
export * from './network-patterns';

export const NETWORK_MODES = ['ask', 'locked', 'open'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];
/** What a bottle runs in unless the operator chose otherwise at launch. */
export const DEFAULT_NETWORK_MODE: NetworkMode = 'ask';

export function isNetworkMode(value: unknown): value is NetworkMode {
  return typeof value === 'string' && (NETWORK_MODES as readonly string[]).includes(value);
}

/**
 * Where a rule was written, nearest first: the bottle's network.json, settings.json for its agent,
 * settings.json for all bottles, the agent's agent.json (`network.allow`).
 */
export const RULE_SCOPES = ['bottle', 'agent', 'operator', 'definition'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];
export type RuleEffect = 'allow' | 'deny';

export const RULE_SCOPE_NAMES: Record<RuleScope, string> = {
  bottle: "this bottle's rules",
  agent: "the operator's rules for this agent",
  operator: "the operator's rules for all bottles",
  definition: 'the agent definition',
};

export interface NetworkRule {
  scope: RuleScope;
  effect: RuleEffect;
  pattern: HostPattern;
}

/** At most this many rules in one list (one scope, one effect): far above any real allowlist. */
export const MAX_RULES_PER_LIST = 500;

/** Why this rule cannot be written in this scope, or null: an agent definition only allows, and only public destinations. */
export function ruleProblem(scope: RuleScope, effect: RuleEffect, pattern: HostPattern): string | null {
  if (scope !== 'definition') return null;
  if (effect === 'deny') return 'an agent definition only lists what it needs (network.allow)';
  if (pattern.host.kind === 'ip' && pattern.host.address.range !== 'public')
    return `${pattern.text}: an agent definition cannot open a ${pattern.host.address.range} address (the operator can, in settings.json)`;
  return null;
}

/** One list of rule texts, each parsed and checked for its scope; the first error names its index. */
export function parseRuleList(texts: readonly string[], scope: RuleScope, effect: RuleEffect): Parsed<NetworkRule[]> {
  if (texts.length > MAX_RULES_PER_LIST) return { ok: false, error: `more than ${MAX_RULES_PER_LIST} rules` };
  const rules: NetworkRule[] = [];
  for (const [index, text] of texts.entries()) {
    const parsed = parseHostPattern(text);
    if (!parsed.ok) return { ok: false, error: `rule ${index + 1}: ${parsed.error}` };
    const problem = ruleProblem(scope, effect, parsed.value);
    if (problem !== null) return { ok: false, error: `rule ${index + 1}: ${problem}` };
    rules.push({ scope, effect, pattern: parsed.value });
  }
  return { ok: true, value: rules };
}

/** The rule texts of every scope, as the state files and agent.json hold them (each already validated there). */
export type ScopedRuleTexts = Partial<Record<RuleScope, { allow?: readonly string[]; deny?: readonly string[] }>>;

/** Every scope's rules, parsed; a list that fails is left out and its error returned (callers log it). */
export function collectRules(texts: ScopedRuleTexts): { rules: NetworkRule[]; errors: string[] } {
  const rules: NetworkRule[] = [];
  const errors: string[] = [];
  for (const scope of RULE_SCOPES) {
    for (const effect of ['allow', 'deny'] as const) {
      const list = texts[scope]?.[effect];
      if (list === undefined || list.length === 0) continue;
      const parsed = parseRuleList(list, scope, effect);
      if (parsed.ok) rules.push(...parsed.value);
      else errors.push(`${RULE_SCOPE_NAMES[scope]} (${effect}): ${parsed.error}`);
    }
  }
  return { rules, errors };
}

/** A connection the operator allowed once: exactly this host and port, before or while it was held. */
export interface OnceAllow {
  host: string;
  port: number;
}

export interface NetworkTarget {
  host: string;
  port: number;
}

export type NetworkVerdict = 'allow' | 'deny' | 'ask';
/** Who decided: a rule, the operator's answer, the mode, the guard on hostile destinations, or the hold's timeout. */
export type DecidedBy = 'rule' | 'operator' | 'mode' | 'guard' | 'timeout';

/** The rule that decided, as the log shows it. */
export interface DecidingRule {
  scope: RuleScope;
  effect: RuleEffect;
  pattern: string;
}

export interface NetworkDecision {
  verdict: NetworkVerdict;
  by: DecidedBy;
  rule: DecidingRule | null;
  /** The one-shot allow that let it through (the caller uses it up), or null. */
  once: OnceAllow | null;
  /** One line for the log and the refusal the agent reads. */
  reason: string;
}

export interface PolicyInput {
  mode: NetworkMode;
  rules: readonly NetworkRule[];
  once?: readonly OnceAllow[];
  target: NetworkTarget;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** The rule of the nearest scope that matches (a deny before an allow within a scope), or null. */
function nearestRule(rules: readonly NetworkRule[], target: HostTarget, port: number, scopes: readonly RuleScope[]): NetworkRule | null {
  for (const scope of scopes) {
    const matching = rules.filter((rule) => rule.scope === scope && patternMatches(rule.pattern, target, port));
    const found = matching.find((rule) => rule.effect === 'deny') ?? matching.find((rule) => rule.effect === 'allow');
    if (found !== undefined) return found;
  }
  return null;
}

/** Scopes that may open an address outside public space: the operator's, never the definition's. */
const OPERATOR_SCOPES: readonly RuleScope[] = ['bottle', 'agent', 'operator'];

function decided(
  verdict: NetworkVerdict,
  by: DecidedBy,
  reason: string,
  rule: NetworkRule | null = null,
  once: OnceAllow | null = null,
): NetworkDecision {
  return { verdict, by, reason, once, rule: rule === null ? null : { scope: rule.scope, effect: rule.effect, pattern: rule.pattern.text } };
}

function ruleReason(rule: NetworkRule): string {
  return `${rule.effect === 'allow' ? 'allowed' : 'denied'} by rule ${rule.pattern.text} (${RULE_SCOPE_NAMES[rule.scope]})`;
}

function sameTarget(once: OnceAllow, target: HostTarget, port: number): boolean {
  if (once.port !== port) return false;
  const parsed = parseTargetHost(once.host);
  if (!parsed.ok) return false;
  return targetText(parsed.value, port) === targetText(target, port);
}

function outsidePublic(address: IpAddress, shown: string): string {
  return `${shown} is a ${address.range} address: only an operator's rule naming it exactly opens it`;
}

/** The decision for one destination (see the file's header for the order). */
export function decideNetwork(input: PolicyInput): NetworkDecision {
  const { mode, rules, target } = input;
  const parsed = parseTargetHost(target.host);
  if (!parsed.ok) return decided('deny', 'guard', parsed.error);
  if (!isPort(target.port)) return decided('deny', 'guard', `port ${String(target.port).slice(0, 20)} is not 1-65535`);
  const host = parsed.value;
  const shown = targetText(host, target.port);
  const address = host.kind === 'ip' ? host.address : null;
  if (address !== null && NEVER_DIALLED.has(address.range))
    return decided('deny', 'guard', `${shown} is a ${address.range} address, never dialled`);
  if (address !== null && isAlternateIpv4Form(target.host))
    return decided(
      'deny',
      'guard',
      `${target.host} is ${address.text} (a ${address.range} address) written another way: only ${address.text} is dialled`,
    );
  const restricted = address !== null && address.range !== 'public';
  if (!restricted) {
    const once = input.once?.find((allow) => sameTarget(allow, host, target.port));
    if (once !== undefined) return decided('allow', 'operator', `${shown} allowed once by the operator`, null, once);
  }
  const rule = nearestRule(rules, host, target.port, restricted ? OPERATOR_SCOPES : RULE_SCOPES);
  if (rule !== null) return decided(rule.effect, 'rule', ruleReason(rule), rule);
  if (address !== null && restricted) return decided('deny', 'guard', outsidePublic(address, shown));
  if (mode === 'open') return decided('allow', 'mode', `${shown}: the bottle is open, every destination passes`);
  if (mode === 'locked') return decided('deny', 'mode', `${shown} is not on the bottle's allowlist and the bottle is locked`);
  return decided('ask', 'mode', `${shown} is not on the bottle's allowlist: waiting for the operator`);
}

/**
 * Whether an address a name resolved to (or an IP literal the bottle asked for) may be dialled on
 * this port: a public one unless a rule of the nearest scope denies it, anything else only when an
 * operator's rule names exactly it. Checked for every address before the dial, and the checked
 * address is the one dialled (no second lookup, so no rebinding in between).
 */
export function mayDial(address: string, port: number, rules: readonly NetworkRule[]): Parsed<IpAddress> {
  const ip = parseIpLiteral(address);
  if (ip === null || isAlternateIpv4Form(address))
    return { ok: false, error: `${JSON.stringify(address.slice(0, 80))} is not an IP address in plain form` };
  const target: HostTarget = { kind: 'ip', address: ip };
  const shown = targetText(target, port);
  if (!isPort(port)) return { ok: false, error: `port ${String(port).slice(0, 20)} is not 1-65535` };
  if (NEVER_DIALLED.has(ip.range)) return { ok: false, error: `${shown} is a ${ip.range} address, never dialled` };
  const restricted = ip.range !== 'public';
  const rule = nearestRule(rules, target, port, restricted ? OPERATOR_SCOPES : RULE_SCOPES);
  if (rule?.effect === 'deny') return { ok: false, error: ruleReason(rule) };
  if (restricted && rule === null) return { ok: false, error: outsidePublic(ip, shown) };
  return { ok: true, value: ip };
}

/**
 * The command that allows a destination for one bottle, named in every refusal the agent reads;
 * null for a destination no rule can name (a malformed host or port, an address never dialled).
 */
export function allowCommand(identity: string, target: NetworkTarget): string | null {
  const parsed = parseTargetHost(target.host);
  if (!parsed.ok || !isPort(target.port)) return null;
  // No rule can name cloud metadata, multicast and the like: a command that could only fail would mislead.
  if (parsed.value.kind === 'ip' && NEVER_DIALLED.has(parsed.value.address.range)) return null;
  return `claude-bottle allow ${identity} ${targetText(parsed.value, target.port)}`;
}

/** How the bottle's client reached the gateway: a plain HTTP request, or a CONNECT tunnel (HTTPS, ssh, any TCP). */
export type NetworkProtocol = 'http' | 'connect';

/** A connection held in `ask` mode, waiting for the operator: what the card, `net` and the notification show. */
export interface NetworkRequest {
  /** The gateway's id for it, unique per gateway. */
  id: string;
  /** The bottle that asked. */
  identity: string;
  host: string;
  port: number;
  protocol: NetworkProtocol;
  /** When the gateway received it (ISO 8601). */
  at: string;
}

/** How the operator answers a held request: allow it once, for the bottle, for its agent, or deny it. */
export const NETWORK_ANSWERS = ['once', 'bottle', 'agent', 'deny'] as const;
export type NetworkAnswer = (typeof NETWORK_ANSWERS)[number];

/** One connection on the record (the bottle's network log, the Network tab, `net --log`). */
export interface NetworkRecord extends NetworkRequest {
  verdict: Exclude<NetworkVerdict, 'ask'>;
  by: DecidedBy;
  /** The deciding rule's pattern and scope, or null when no rule decided. */
  rule: DecidingRule | null;
  reason: string;
  /** When it was decided and when it closed (ISO 8601); null while still open. */
  decidedAt: string;
  endedAt: string | null;
  /** Bytes from the bottle to the destination, and back. */
  bytesUp: number;
  bytesDown: number;
}
