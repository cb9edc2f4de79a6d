import { z } from 'zod';
import { isSafeName } from '../../shared/rules';
import { parsePermissionRequest, type PermissionRequest } from './report-schemas';
import { schemaIssueMessage } from './schema-issue';

export { isSafeName } from '../../shared/rules';

/** DESIGN.md §5 caps: the inbox is written by the agent, so every size is bounded. */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_REASON_CHARS = 2000;
export const MAX_RUN_COMMANDS = 50;
export const MAX_RUN_CHARS = 8000;

// A RUN line must be exactly one Dockerfile line: a newline (or a Unicode line separator) would
// start another instruction, a trailing backslash would swallow the next one (the USER that switches
// back from root), and other control characters hide what the operator reads. A Dockerfile may
// hold tabs and newlines but never NUL.
const noControl = (value: string): boolean => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value);
const noContinuation = (value: string): boolean => !/\\\s*$/.test(value);
// A heredoc (`<<EOF`) would make the following Dockerfile lines part of the RUN with BuildKit.
const noHeredoc = (value: string): boolean => !/(^|[^<])<<-?\s*["']?[A-Za-z_]/.test(value);
const noNul = (value: string): boolean => !value.includes('\u0000');

const nonBlank = (value: string): boolean => value.trim().length > 0;

const requestBase = {
  version: z.literal(1),
  id: z.string().refine(isSafeName, 'must be a plain name of letters, digits, ".", "_" and "-"'),
  created_at: z.string().max(64),
  reason: z.string().refine(nonBlank, 'must not be empty').max(MAX_REASON_CHARS, `must be at most ${MAX_REASON_CHARS} characters`),
};

const dockerfileRequestSchema = z.strictObject({
  ...requestBase,
  dockerfile: z.string().refine(nonBlank, 'must not be empty').refine(noNul, 'must not contain NUL characters'),
});

const runRequestSchema = z.strictObject({
  ...requestBase,
  run: z
    .array(
      z
        .string()
        .refine(nonBlank, 'must not be empty')
        .max(MAX_RUN_CHARS)
        .refine(noControl, 'must be one line without control characters')
        .refine(noContinuation, 'must not end with a backslash (it would continue into the next Dockerfile line)')
        .refine(noHeredoc, 'must not open a heredoc (<<WORD): the lines after it would become part of the command'),
    )
    .min(1, 'must hold at least one command')
    .max(MAX_RUN_COMMANDS),
});

export type CapabilityRequest = z.infer<typeof dockerfileRequestSchema> | z.infer<typeof runRequestSchema>;

export type RequestParseResult = { ok: true; request: CapabilityRequest } | { ok: false; message: string };

/** Validates a parsed request; the message names the first bad field, in one line. */
export function parseCapabilityRequest(value: unknown): RequestParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'the request must be a JSON object' };
  }
  const hasDockerfile = 'dockerfile' in value;
  const hasRun = 'run' in value;
  if (hasDockerfile === hasRun) return { ok: false, message: 'the request needs exactly one of "dockerfile" or "run"' };
  const result = (hasDockerfile ? dockerfileRequestSchema : runRequestSchema).safeParse(value);
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, message: schemaIssueMessage(result.error, 'request') };
}

/** Any request file of the inbox: a Dockerfile request, or a permission question (issue 21). */
export type InboxRequest = { kind: 'capability'; request: CapabilityRequest } | { kind: 'permission'; request: PermissionRequest };

export type InboxRequestParseResult = ({ ok: true } & InboxRequest) | { ok: false; message: string };

/**
 * Validates any inbox request, dispatched by its `kind`: `"permission"` is a permission question,
 * none is a Dockerfile request, anything else is refused (a newer agent's kind this host does not know).
 */
export function parseInboxRequest(value: unknown): InboxRequestParseResult {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value) {
    const kind: unknown = (value as { kind: unknown }).kind;
    if (kind !== 'permission') return { ok: false, message: 'invalid request field "kind": must be "permission" or absent' };
    const result = parsePermissionRequest(value);
    return result.ok ? { ok: true, kind: 'permission', request: result.value } : result;
  }
  const result = parseCapabilityRequest(value);
  return result.ok ? { ok: true, kind: 'capability', request: result.request } : result;
}

/** What the host writes back as `<id>.response.json`; `remember` only for a permission allowed "always". */
export interface InboxResponse {
  version: 1;
  id: string;
  status: 'approved' | 'rejected' | 'error';
  message: string;
  remember?: true;
}
