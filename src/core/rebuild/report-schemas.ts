import { z } from 'zod';
import {
  AGENT_STATES,
  MAX_PERMISSION_INPUT_CHARS,
  MAX_REPORT_DETAIL_CHARS,
  MAX_REPORT_MESSAGE_CHARS,
  MAX_REPORT_TOOL_CHARS,
  TASK_TEXT_PATTERN,
} from '../../shared/agent-reports';
import { isSafeName } from '../../shared/rules';
import { schemaIssueMessage } from './schema-issue';

/*
 * What an agent reports from inside its bottle (issue 21, wire contract in DESIGN.md): its status
 * file `.agent-status` and its permission questions (inbox requests of `"kind":"permission"`). Both
 * are hostile input: strict objects (an unknown field is refused, not ignored), every string capped,
 * and no control characters where they could steer a terminal or split a line.
 */

/** The id of a permission question: its own prefix, so it never names a Dockerfile request. */
export const PERMISSION_ID_PREFIX = 'perm-';

// One line: no C0/C1 controls, no Unicode line or paragraph separators.
const oneLine = (value: string): boolean => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value);
const nonBlank = (value: string): boolean => value.trim().length > 0;

const lineText = (max: number): z.ZodString =>
  z.string().max(max, `must be at most ${max} characters`).refine(oneLine, 'must be one line without control characters');
// Free text (a message, a reason, a tool's JSON input) may hold newlines and tabs, never other controls.
const freeText = (max: number): z.ZodString =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(TASK_TEXT_PATTERN, 'must not hold control characters other than newline and tab');

const statusSchema = z.strictObject({
  version: z.literal(1),
  state: z.enum(AGENT_STATES),
  tool: lineText(MAX_REPORT_TOOL_CHARS).optional(),
  detail: lineText(MAX_REPORT_DETAIL_CHARS).optional(),
  message: freeText(MAX_REPORT_MESSAGE_CHARS).optional(),
  at: lineText(64),
});
export type AgentStatusReport = z.infer<typeof statusSchema>;

const permissionSchema = z.strictObject({
  version: z.literal(1),
  id: z
    .string()
    .max(128, 'must be at most 128 characters')
    .refine(isSafeName, 'must be a plain name of letters, digits, ".", "_" and "-"')
    .refine((id) => id.startsWith(PERMISSION_ID_PREFIX), `must start with "${PERMISSION_ID_PREFIX}"`),
  created_at: lineText(64),
  kind: z.literal('permission'),
  tool: lineText(MAX_REPORT_TOOL_CHARS).refine(nonBlank, 'must not be empty'),
  detail: lineText(MAX_REPORT_DETAIL_CHARS).optional(),
  input: freeText(MAX_PERMISSION_INPUT_CHARS).optional(),
  reason: freeText(MAX_REPORT_MESSAGE_CHARS).optional(),
});
export type PermissionRequest = z.infer<typeof permissionSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** One line naming the first bad field: `invalid <what> field "tool": must be one line …`. */
function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): ParseResult<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, message: `the ${what} must be a JSON object` };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: schemaIssueMessage(result.error, what) };
}

/** Validates the agent's status file (already read within MAX_STATUS_FILE_BYTES and parsed). */
export function parseAgentStatusReport(value: unknown): ParseResult<AgentStatusReport> {
  return parsed(statusSchema, value, 'status');
}

/** Validates a permission question read from the inbox. */
export function parsePermissionRequest(value: unknown): ParseResult<PermissionRequest> {
  return parsed(permissionSchema, value, 'permission request');
}
