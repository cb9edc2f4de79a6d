/**
 * The gateway's control channel: JSON, one message per line, on the program's stdin (in) and stdout
 * (out); stderr carries the program's own log. The core keeps one `docker exec -i` stream open to
 * it, which works the same over every kind of engine (unix socket, ssh, tcp+TLS, Docker Desktop)
 * with no published port. Every line in is size-capped and validated; a bad line gets an `error`
 * line out and changes nothing.
 *
 * In (core -> gateway):
 *   {"type":"bottles","bottles":[{"ip":"172.30.0.3","identity":"b-1","mode":"ask","agent":"claude"}]}
 *       the whole table of bottles by source IP (replaces the last one). A connection from an IP
 *       not in it is refused. Held connections are decided again against the new table.
 *   {"type":"rules","rules":[{"identity":"b-1","rules":[{"scope":"operator","effect":"allow","pattern":"api.example.com:443"}]}]}
 *       every bottle's rules, already collected from all scopes (bottle, agent, operator,
 *       definition) as pattern texts (src/shared/network-patterns.ts); replaces the last table and
 *       the rules `decide` added. A bottle with no entry has no rules (its mode decides). Every
 *       pattern is parsed and checked for its scope here: one bad pattern refuses the whole line.
 *       The gateway decides with the shared policy (decideNetwork, then mayDial for every address
 *       a name resolves to). Held connections are decided again against the new rules.
 *   {"type":"decide","id":"p-3","verdict":"allow"|"deny","scope":"once"|"bottle"|"agent"}
 *       answers a pending request: its held connections proceed or get the 403. Scope `bottle` (that
 *       bottle) or `agent` (every bottle of its agent) also adds the rule `host:port` here at once,
 *       in that scope (the core then pushes it in its next `rules`).
 *   {"type":"ping","nonce":"…"}                 -> {"type":"pong","nonce":"…"}
 *   {"type":"replay","epoch":"9f…"|null,"after":41}
 *       the recorder core asks, on the stream it just opened, for the records it has not written:
 *       it wrote everything through sequence `after` of `epoch` (null: it has no cursor for this
 *       gateway). Answered on that stream alone: a `backlog` header, then every kept record after
 *       `after` (every kept record when `epoch` is not this gateway's: it restarted), in order; the
 *       live records follow. Only the recorder asks: other streams just get the live records.
 *   {"type":"ack","epoch":"9f…","seq":57}
 *       the recorder wrote everything through `seq` (and its cursor after it): the gateway lets
 *       those go. Another epoch's ack is ignored.
 *
 * Out (gateway -> core):
 *   {"type":"ready","port":3128,"version":1}    once, when the proxy listens (on a control socket
 *       stream: when it opens, followed by a `pending` for every request held at that moment)
 *   {"type":"pending","id":"p-3","identity":"b-1","host":"example.com","port":443,"protocol":"connect","time":"…"}
 *       a connection is held waiting for the operator (further ones to the same host:port from the
 *       same bottle join it).
 *   {"type":"settled","id":"p-3","outcome":"allow"|"deny"|"timeout"|"abandoned","time":"…"}
 *       the pending request is gone (decided, timed out, or every held client hung up).
 *   {"type":"connection","event":"start"|"refused"|"end", …ConnectionRecord, "epoch":"9f…","seq":42}
 *       the log: every attempt, its decision and who made it, and bytes each way on close. Each
 *       `refused` or `end` of a known bottle (what the core writes) carries this gateway process's
 *       `epoch` (random per start) and the next `seq` (1, 2, …), and is kept (connection-backlog.ts:
 *       5,000 records or 2 MiB, oldest dropped) until acknowledged, so what ends while no live core
 *       reads is written when one comes. `start` records carry neither: they are live notices.
 *   {"type":"backlog","epoch":"9f…","from":42,"through":57,"dropped":[{"identity":"b-1","count":3}]}
 *       the answer to `replay`, before the records it replays: they are `from` to `through` (none
 *       when `from` > `through`); `dropped` says, per bottle, how many records after the core's
 *       `after` were dropped by the bound (the core writes one line saying so in that bottle's log).
 *   {"type":"error","message":"…"}               a bad control line, or something the gateway could not do.
 */
import { z } from 'zod';
import {
  MAX_PATTERN_CHARS,
  MAX_RULES_PER_LIST,
  NETWORK_MODES,
  parseHostPattern,
  RULE_SCOPES,
  ruleProblem,
  type NetworkRule,
} from '../shared/network-policy';
import type { ConnectionDecider, ConnectionFacts, ConnectionProtocol } from '../shared/network-view';

export const CONTROL_PROTOCOL_VERSION = 1;
/** Longest line accepted in: a bottles or rules table of a few thousand entries fits easily. */
export const MAX_CONTROL_LINE_BYTES = 1024 * 1024;
const MAX_TABLE_ENTRIES = 10_000;

const identity = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'identity: letters, digits, dot, dash, underscore');
const ipv4 = z
  .string()
  .refine((text) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(text) && text.split('.').every((part) => Number(part) <= 255), 'not an IPv4 address');
/** A gateway process's epoch (connection-backlog.ts makes 16 hex digits; a core sends back what it read). */
const epoch = z.string().regex(/^[0-9a-f]{1,64}$/, 'epoch: hex digits');
const sequence = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A bottle's rules: every scope's lists together, each list capped as the state files cap it. */
const MAX_RULES_PER_BOTTLE = RULE_SCOPES.length * 2 * MAX_RULES_PER_LIST;

export const bottleEntrySchema = z.strictObject({
  ip: ipv4,
  identity,
  mode: z.enum(NETWORK_MODES),
  agent: identity.optional(),
  /** Issue 20: the credential set whose injections this bottle's requests get (accepted; the gateway part acts on it). */
  credentialSet: identity.optional(),
});
export type BottleEntry = z.infer<typeof bottleEntrySchema>;

/** One rule as the core sends it, parsed into the shared form (a pattern no scope may hold is refused). */
export const ruleSchema = z
  .strictObject({
    scope: z.enum(RULE_SCOPES),
    effect: z.enum(['allow', 'deny']),
    pattern: z.string().max(MAX_PATTERN_CHARS),
  })
  .transform((rule, context): NetworkRule => {
    const parsed = parseHostPattern(rule.pattern);
    const problem = parsed.ok ? ruleProblem(rule.scope, rule.effect, parsed.value) : parsed.error;
    if (!parsed.ok || problem !== null) {
      context.addIssue({ code: 'custom', message: problem ?? 'invalid pattern', path: ['pattern'] });
      return z.NEVER;
    }
    return { scope: rule.scope, effect: rule.effect, pattern: parsed.value };
  });

export const bottleRulesSchema = z.strictObject({
  identity,
  rules: z.array(ruleSchema).max(MAX_RULES_PER_BOTTLE),
});
export type BottleRules = z.infer<typeof bottleRulesSchema>;

export const controlInSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bottles'), bottles: z.array(bottleEntrySchema).max(MAX_TABLE_ENTRIES) }),
  z.strictObject({ type: z.literal('rules'), rules: z.array(bottleRulesSchema).max(MAX_TABLE_ENTRIES) }),
  z.strictObject({
    type: z.literal('decide'),
    id: z.string().min(1).max(64),
    verdict: z.enum(['allow', 'deny']),
    scope: z.enum(['once', 'bottle', 'agent']),
  }),
  z.strictObject({ type: z.literal('ping'), nonce: z.string().max(128).optional() }),
  z.strictObject({ type: z.literal('replay'), epoch: epoch.nullable(), after: sequence }),
  z.strictObject({ type: z.literal('ack'), epoch, seq: sequence }),
  // Issue 20: the credentials table (sets, certificates, upstreams); accepted here, acted on by the gateway part.
  z.object({
    type: z.literal('credentials'),
    sets: z.array(z.unknown()),
    certificates: z.array(z.unknown()),
    upstreams: z.array(z.unknown()),
  }),
]);
export type ControlIn = z.infer<typeof controlInSchema>;

/** The shared names (src/shared/network-view.ts), as this program has always called them. */
export type GatewayProtocol = ConnectionProtocol;
export type DecidedBy = ConnectionDecider;

/** A connection's record on the control stream: the shared facts, and what only the gateway knows. */
export interface ConnectionRecord extends ConnectionFacts {
  event: 'start' | 'refused' | 'end';
  /** The client socket's number (one keep-alive socket may carry several plain-HTTP requests). */
  connection: number;
  identity: string | null;
  source: string;
  /** The address actually dialled (after the check), on `start`. */
  address?: string;
  /** Bytes the bottle sent out and received, on `end`. */
  bytesUp?: number;
  bytesDown?: number;
}

export type ControlOut =
  | { type: 'ready'; port: number; version: number }
  | { type: 'pending'; id: string; identity: string; host: string; port: number; protocol: GatewayProtocol; time: string }
  | { type: 'settled'; id: string; outcome: 'allow' | 'deny' | 'timeout' | 'abandoned'; time: string }
  | ({ type: 'connection'; epoch?: string; seq?: number } & ConnectionRecord)
  | { type: 'backlog'; epoch: string; from: number; through: number; dropped: Array<{ identity: string; count: number }> }
  | { type: 'pong'; nonce?: string }
  | { type: 'error'; message: string };
