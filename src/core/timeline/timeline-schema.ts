import { z } from 'zod';
import { TIMELINE_DECISIONS, TIMELINE_KINDS, TIMELINE_REQUEST_TYPES, type TimelineEvent, type TimelineInput } from '../../shared/timeline';
import { escapeControl, escapeLine } from '../../shared/escape-text';
import { redactSecrets } from '../base/core-log';

/** One text field's cap, in characters: a reason or a message is a line of the timeline, never a file. */
export const MAX_TIMELINE_TEXT = 500;
/** One line's cap, in bytes: past it the text fields are cut shorter, so one event can never be large. */
export const MAX_TIMELINE_LINE = 4096;
/** The most identities one fork event lists. */
const MAX_IDENTITIES = 32;

const text = z.string().max(MAX_TIMELINE_TEXT * 8);
const optionalText = text.optional();

export const timelineEventSchema = z.object({
  v: z.literal(1),
  at: z.string().max(40),
  kind: z.enum(TIMELINE_KINDS),
  by: text,
  reason: optionalText,
  code: z.number().int().nullable().optional(),
  request: z.object({ type: z.enum(TIMELINE_REQUEST_TYPES), id: text }).optional(),
  decision: z.enum(TIMELINE_DECISIONS).optional(),
  host: optionalText,
  tool: optionalText,
  outcome: z.enum(['built', 'failed']).optional(),
  imageId: text.nullable().optional(),
  checkpoint: z.object({ id: text, name: text.nullable(), size: z.number().nonnegative() }).optional(),
  identities: z.array(text).max(MAX_IDENTITIES).optional(),
  from: optionalText,
  count: z.number().int().nonnegative().optional(),
  target: optionalText,
  state: optionalText,
  instruction: optionalText,
  lastMessage: optionalText,
  diff: z.string().optional(),
}) satisfies z.ZodType<TimelineEvent>;

/** Text as the timeline keeps it: secrets redacted, on one line with controls escaped, cut at `max`. */
export function clean(value: string, max: number): string {
  const escaped = escapeLine(redactSecrets(value));
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/** The event as one JSON line of at most MAX_TIMELINE_LINE bytes, every text field cleaned. */
export function timelineLine(input: TimelineInput, now: Date = new Date()): string {
  for (const max of [MAX_TIMELINE_TEXT, 120, 40]) {
    const line = JSON.stringify(cleanEvent(input, now, max));
    if (Buffer.byteLength(line) + 1 <= MAX_TIMELINE_LINE) return `${line}\n`;
  }
  // Only a fork of very many identities could still be over: its list is cut to what fits.
  const event = cleanEvent({ ...input, identities: input.identities?.slice(0, 8) }, now, 40);
  return `${JSON.stringify(event)}\n`;
}

function cleanEvent(input: TimelineInput, now: Date, max: number): TimelineEvent {
  const cut = (value: string | undefined): string | undefined => (value === undefined ? undefined : clean(value, max));
  const event: TimelineEvent = { v: 1, at: input.at ?? now.toISOString(), kind: input.kind, by: clean(input.by, 80) };
  const fields: Partial<TimelineEvent> = {
    reason: cut(input.reason),
    code: input.code,
    request: input.request === undefined ? undefined : { type: input.request.type, id: clean(input.request.id, 80) },
    decision: input.decision,
    host: cut(input.host),
    tool: cut(input.tool),
    outcome: input.outcome,
    imageId: input.imageId === null ? null : cut(input.imageId),
    checkpoint:
      input.checkpoint === undefined
        ? undefined
        : {
            id: clean(input.checkpoint.id, 80),
            name: input.checkpoint.name === null ? null : clean(input.checkpoint.name, max),
            size: input.checkpoint.size,
          },
    identities: input.identities?.slice(0, MAX_IDENTITIES).map((identity) => clean(identity, 128)),
    from: cut(input.from),
    count: input.count,
    target: cut(input.target),
    state: cut(input.state),
    instruction: cut(input.instruction),
    lastMessage: cut(input.lastMessage),
  };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(event, { [key]: value });
  return event;
}

/** The journal's Dockerfile diff as a view shows it: secrets redacted, controls escaped (its lines kept), capped. */
export function cleanDiff(diff: string): string {
  const escaped = escapeControl(redactSecrets(diff));
  return escaped.length > MAX_DIFF_CHARS ? `${escaped.slice(0, MAX_DIFF_CHARS - 1)}…` : escaped;
}

/** A diff's cap: a Dockerfile is at most 64 KiB, its diff with both sides about twice that. */
const MAX_DIFF_CHARS = 160 * 1024;
