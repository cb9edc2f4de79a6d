import type { z } from 'zod';

/*
 * The one line that says why an agent's file (an inbox request, a permission question, the status
 * file) was refused. It is kept in the journal, on the card and in the answer, so it never echoes
 * what the agent wrote: zod's own message for unknown fields lists every key in full, and an agent
 * could make each refusal cost the host 64 KiB of journal (measured: 7 MB in 8 s from one bottle,
 * deleting its files to stay under the inbox cap).
 */

/** The most characters of an agent's field name a message shows. */
const MAX_SHOWN_KEY_CHARS = 40;

/** An agent's field name as a message shows it: printable ASCII only, cut. */
function shownKey(key: string): string {
  const cleaned = key.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > MAX_SHOWN_KEY_CHARS ? `${cleaned.slice(0, MAX_SHOWN_KEY_CHARS)}…` : cleaned;
}

/** `invalid <what> field "tool": must be one line …`, or `invalid <what>: unknown field "x" (and 3 more)`. */
export function schemaIssueMessage(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  if (issue === undefined) return `invalid ${what}`;
  if (issue.code === 'unrecognized_keys') {
    const [first = '', ...rest] = issue.keys;
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
    return `invalid ${what}: unknown field ${JSON.stringify(shownKey(first))}${more}`;
  }
  // Paths name the schema's own fields and list positions, never a key of the agent's.
  const field = issue.path.map(String).join('.');
  return `invalid ${what}${field === '' ? '' : ` field "${field}"`}: ${issue.message}`;
}
