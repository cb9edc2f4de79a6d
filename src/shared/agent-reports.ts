/**
 * What an agent tells the operator from inside its bottle (issue 21): its activity, reported by
 * its hooks (the shipped `claude` agent) or the in-bottle `bottle-report` tool, and the permission
 * questions it asks. Pure types and caps: the core validates the agent's files against them, the
 * views show them, the CLI prints them. Everything here came from a hostile agent, validated and
 * cut to these caps, and is escaped by whoever shows it.
 */

/** What the agent is doing, most recent report wins. */
export const AGENT_STATES = ['working', 'permission', 'waiting', 'finished', 'exited'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** The caps a report and a permission question are held to (DESIGN.md §5: hostile input). */
export const MAX_STATUS_FILE_BYTES = 8 * 1024;
export const MAX_REPORT_TOOL_CHARS = 100;
export const MAX_REPORT_DETAIL_CHARS = 500;
export const MAX_REPORT_MESSAGE_CHARS = 2000;
export const MAX_PERMISSION_INPUT_CHARS = 8000;
/** Permission questions waiting at once per bottle; more are answered "denied: too many waiting". */
export const MAX_PENDING_PERMISSIONS = 20;
/** Reports the host takes in per bottle and second; more are coalesced (the latest wins). */
export const MAX_REPORTS_PER_SECOND = 4;
/** A bottle waiting on the operator for longer than this is marked on its card and row. */
export const LONG_WAIT_MS = 3 * 60 * 1000;

/** The agent's latest report, as every view carries it. */
export interface AgentStatusView {
  state: AgentState;
  /** The tool it runs or asks about (e.g. "Bash", "Edit"); null when the report named none. */
  tool: string | null;
  /** The command, file or subject of that tool, one line. */
  detail: string | null;
  /** Its last message to the operator (a finished turn), cut to MAX_REPORT_MESSAGE_CHARS. */
  lastMessage: string | null;
  /** When this report arrived (ISO 8601, the host's clock). */
  at: string;
  /** Since when the agent has been in this state (the first report of a run of equal states). */
  since: string;
}

/** A permission question the agent waits on (Claude Code's permission prompt), summarized for every view. */
export interface PermissionQuestion {
  /** Its request id in the inbox (`perm-…`). */
  id: string;
  tool: string;
  /** The command or file it is about, one line; null when the agent gave none. */
  detail: string | null;
  /** The tool's whole input as the agent gave it (JSON text, cut to MAX_PERMISSION_INPUT_CHARS); null: none. */
  input: string | null;
  /** The agent's reason, where it gave one. */
  reason: string | null;
  createdAt: string;
}

/** How the operator answers: allow once, allow and do not ask again for this kind, or deny (with a message). */
export const PERMISSION_ANSWERS = ['allow', 'always', 'deny'] as const;
export type PermissionAnswer = (typeof PERMISSION_ANSWERS)[number];

/** A task (first instruction) or a message typed to the agent: one bounded text. */
export const MAX_TASK_CHARS = 8000;
/** A bottle's name, chosen by the operator (`--name`): what `ls` shows beside the identity. */
export const MAX_BOTTLE_NAME_CHARS = 64;
/** Letters, digits, ".", "_" and "-", starting with a letter or digit: safe in a shell and a file. */
export const BOTTLE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A task or message may hold newlines and tabs, never other control characters (they would steer the terminal). */
export const TASK_TEXT_PATTERN = /^[^\u0000-\u0008\u000b-\u001f\u007f\u009b]*$/;
