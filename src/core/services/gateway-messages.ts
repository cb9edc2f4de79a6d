import { z } from 'zod';
import { CONNECTION_DECIDERS } from '../../shared/network-view';

/*
 * What the gateway says on its control stream (src/gateway/control-protocol.ts), checked before the
 * core believes any of it: the gateway faces the bottles, and a message that is not in this shape
 * is reported and dropped. Unknown types (a newer gateway's) are ignored.
 */

const text = (max: number): z.ZodString => z.string().min(1).max(max);
const protocol = z.enum(['http', 'connect']);
/** A gateway process's epoch and a record's number in it (src/gateway/connection-backlog.ts). */
const epoch = z.string().regex(/^[0-9a-f]{1,64}$/);
const sequence = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const pending = z.object({
  type: z.literal('pending'),
  id: text(64),
  identity: text(128),
  host: text(300),
  port: z.number().int().min(1).max(65535),
  protocol,
  time: text(40),
});
const settledMessage = z.object({ type: z.literal('settled'), id: text(64), outcome: text(20) });
const connection = z.object({
  type: z.literal('connection'),
  event: z.enum(['start', 'refused', 'end']),
  identity: text(128).nullable(),
  host: z.string().max(300),
  port: z.number().int().min(0).max(65535),
  protocol,
  decision: z.enum(['allow', 'deny']),
  by: z.enum(CONNECTION_DECIDERS),
  reason: z.string().max(1000).nullable(),
  bytesUp: z.number().int().min(0).optional(),
  bytesDown: z.number().int().min(0).optional(),
  /** The gateway signed this connection's requests (issue 20). */
  injected: z.boolean().optional(),
  time: text(40),
  // Both or neither: a numbered record, or a live notice (a `start`, or an older gateway's).
  epoch: epoch.optional(),
  seq: sequence.optional(),
});
/** The answer to a replay: where it starts, and per bottle the records the gateway's bound dropped. */
const backlog = z.object({
  type: z.literal('backlog'),
  epoch,
  from: sequence,
  through: sequence,
  dropped: z.array(z.object({ identity: text(128), count: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) })).max(1000),
});
const ready = z.object({ type: z.literal('ready') });
const error = z.object({ type: z.literal('error'), message: z.string().max(2000) });
const pong = z.object({ type: z.literal('pong'), nonce: z.string().max(128).optional() });
/** A bottle of `set` asked to refresh its placeholder login (the gateway answered it): refresh the real one at home. */
const refreshWanted = z.object({ type: z.literal('refresh-wanted'), set: text(64), identity: text(128) });

export const gatewayMessageSchema = z.discriminatedUnion('type', [
  pending,
  settledMessage,
  connection,
  backlog,
  ready,
  error,
  pong,
  refreshWanted,
]);
export type GatewayMessage = z.infer<typeof gatewayMessageSchema>;

/** The message checked; null for a type this core does not read; a one-line reason for a bad one. */
export function readGatewayMessage(message: unknown): { ok: true; value: GatewayMessage | null } | { ok: false; reason: string } {
  const type = (message as { type?: unknown } | null)?.type;
  if (
    !['pending', 'settled', 'connection', 'backlog', 'ready', 'error', 'pong', 'refresh-wanted'].includes(
      typeof type === 'string' ? type : '',
    )
  )
    return { ok: true, value: null };
  const parsed = gatewayMessageSchema.safeParse(message);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `gateway ${String(type)} message: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}` };
}
