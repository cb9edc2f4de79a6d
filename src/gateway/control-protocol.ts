/**
 * The gateway's control channel: JSON, one message per line, on the program's stdin (in) and stdout
 * (out); stderr carries the program's own log. The core keeps one `docker exec -i` stream open to
 * it, which works the same over every kind of engine (unix socket, ssh, tcp+TLS, Docker Desktop)
 * with no published port. Every line in is size-capped and validated; a bad line gets an `error`
 * line out and changes nothing.
 *
 * In (core -> gateway):
 *   {"type":"bottles","bottles":[{"ip":"172.30.0.3","identity":"b-1","mode":"ask","agent":"claude","credentialSet":"claude"}]}
 *       the whole table of bottles by source IP (replaces the last one). A connection from an IP
 *       not in it is refused. Held connections are decided again against the new table.
 *       `credentialSet` (optional): the set of the `credentials` table whose injections this
 *       bottle's requests get; without it, none.
 *   {"type":"rules","rules":[{"identity":"b-1","rules":[{"scope":"operator","effect":"allow","pattern":"api.example.com:443"}]}]}
 *       every bottle's rules, already collected from all scopes (bottle, agent, operator,
 *       definition) as pattern texts (src/shared/network-patterns.ts); replaces the last table and
 *       the rules `decide` added. A bottle with no entry has no rules (its mode decides). Every
 *       pattern is parsed and checked for its scope here: one bad pattern refuses the whole line.
 *       The gateway decides with the shared policy (decideNetwork, then mayDial for every address
 *       a name resolves to). Held connections are decided again against the new rules.
 *   {"type":"credentials","sets":[{"set":"claude","injections":[{"host":"api.anthropic.com","port":443,
 *       "header":"authorization","placeholder":"sk-ant-oat01-claude-bottle-placeholder-…","value":"sk-ant-oat01-…"}]}],
 *       "certificates":[{"host":"api.anthropic.com","cert":"-----BEGIN CERTIFICATE-----…","key":"-----BEGIN PRIVATE KEY-----…"}],
 *       "upstreams":[{"host":"api.anthropic.com","port":443,"address":"11.213.9.1","addressPort":8443,"ca":"-----BEGIN CERTIFICATE-----…"|null}]}
 *       the whole credentials table (replaces the last one; credentials-message.ts checks it). An
 *       allowed CONNECT from a bottle whose `credentialSet` has an injection for that exact
 *       host:port is terminated here with that host's certificate (none: refused, 403); in every
 *       HTTP request inside, each header an injection names gets every occurrence of its
 *       placeholder replaced by its value (the table current at that request), and the request goes
 *       on over TLS to the host (SNI = host, Node's root CAs) or to its `upstreams` address (SNI =
 *       host, verified against `ca`, no DNS). An `upstreams` entry also redirects plain tunnels to
 *       that host:port. Every other CONNECT is a tunnel, so a placeholder leaves as itself. Values
 *       never appear in the log, error lines or records.
 *       A set may also carry `"tokenEndpoint":{"host":"platform.claude.com","port":443,
 *       "path":"/v1/oauth/token","refreshPlaceholder":"sk-ant-ort01-…","accessPlaceholder":"sk-ant-oat01-…"}`:
 *       where its bottles refresh their login. A CONNECT from a bottle of the set to that
 *       host:port is terminated like an injection host's (its certificate needed, same refusal
 *       without). Inside, a `POST` to exactly `path` whose body (read up to 64 KiB; a larger one
 *       is sent on as is, streamed) is JSON with `grant_type:"refresh_token"` and `refresh_token`
 *       equal to `refreshPlaceholder` is answered by the gateway and never sent on: 200,
 *       `content-type: application/json`, `{"token_type":"Bearer","access_token":accessPlaceholder,
 *       "refresh_token":refreshPlaceholder,"expires_in":31536000,"scope":<the request's scope
 *       string, or "user:inference">}`, and a `refresh-wanted` line goes out (the real service
 *       would refuse the placeholder, and Claude Code would wipe the bottle's login). Every other
 *       request there (another path, grant or refresh token) goes on unchanged, its body re-sent,
 *       with the set's injections for that host:port if any. The connection's records say
 *       `"injected":true`.
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
 *       the log: every attempt, its decision and who made it, and bytes each way on close
 *       (`"injected":true` on the start and end of a connection whose requests the gateway signed;
 *       its bytes are those sent to and received from the upstream). Each
 *       `refused` or `end` of a known bottle (what the core writes) carries this gateway process's
 *       `epoch` (random per start) and the next `seq` (1, 2, …), and is kept (connection-backlog.ts:
 *       5,000 records or 2 MiB, oldest dropped) until acknowledged, so what ends while no live core
 *       reads is written when one comes. `start` records carry neither: they are live notices.
 *   {"type":"backlog","epoch":"9f…","from":42,"through":57,"dropped":[{"identity":"b-1","count":3}]}
 *       the answer to `replay`, before the records it replays: they are `from` to `through` (none
 *       when `from` > `through`); `dropped` says, per bottle, how many records after the core's
 *       `after` were dropped by the bound (the core writes one line saying so in that bottle's log).
 *   {"type":"refresh-wanted","set":"claude","identity":"b-1"}
 *       a bottle of the set (`identity`: the one that asked) sent its placeholder refresh to the
 *       set's `tokenEndpoint` and the gateway answered it: the core should refresh the set's real
 *       login now (the bottle's request to the API was most likely refused). At most one per set
 *       per 10 s.
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
import { credentialSetSchema, credentialsMessageSchema } from './credentials-message';
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
  credentialSet: credentialSetSchema.optional(),
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
  credentialsMessageSchema,
  z.strictObject({
    type: z.literal('decide'),
    id: z.string().min(1).max(64),
    verdict: z.enum(['allow', 'deny']),
    scope: z.enum(['once', 'bottle', 'agent']),
  }),
  z.strictObject({ type: z.literal('ping'), nonce: z.string().max(128).optional() }),
  z.strictObject({ type: z.literal('replay'), epoch: epoch.nullable(), after: sequence }),
  z.strictObject({ type: z.literal('ack'), epoch, seq: sequence }),
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
  /** On `start` and `end` of a connection the gateway terminated to sign its requests (issue 20). */
  injected?: true;
}

export type ControlOut =
  | { type: 'ready'; port: number; version: number }
  | { type: 'pending'; id: string; identity: string; host: string; port: number; protocol: GatewayProtocol; time: string }
  | { type: 'settled'; id: string; outcome: 'allow' | 'deny' | 'timeout' | 'abandoned'; time: string }
  | ({ type: 'connection'; epoch?: string; seq?: number } & ConnectionRecord)
  | { type: 'backlog'; epoch: string; from: number; through: number; dropped: Array<{ identity: string; count: number }> }
  | { type: 'refresh-wanted'; set: string; identity: string }
  | { type: 'pong'; nonce?: string }
  | { type: 'error'; message: string };
