import { posix } from 'node:path';
import { parseJson } from '../base/parse-json';
import { TOOL_MOUNT } from '../engine/bottle-mounts';

/*
 * Claude Code's hooks that report to the operator (issue 21, agent.json "reportHooks"): merged into
 * the settings.json a bottle's Claude Code reads, beside whatever hooks the operator's copied
 * settings hold. Theirs are kept as they are and ours appended, once: a settings file that already
 * names our hook (a resume, a rebuild) gets nothing more. A file that does not parse, or whose
 * hooks are not Claude Code's shape, is left exactly as it is, with a warning.
 */

export const CLAUDE_HOOK_PROGRAM = `${TOOL_MOUNT}/bin/claude-bottle-hook`;

/**
 * Seconds Claude Code gives the PermissionRequest hook before it kills it (and the question is
 * withdrawn): a day. Claude Code's default (600 s) would drop a question the operator has not seen
 * yet; its timer (setTimeout, in ms) cannot go past 2^31-1 ms, about 24 days.
 */
export const PERMISSION_HOOK_TIMEOUT_SECONDS = 86_400;
/** Every other event only writes one small file. */
const REPORT_HOOK_TIMEOUT_SECONDS = 10;

/** The events claude-bottle-hook reports (see its switch), in the order the settings list them. */
export const CLAUDE_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PostToolUseFailure',
  'Notification',
  'Interrupt',
  'Stop',
  'SessionEnd',
] as const;

interface CommandHook {
  type: 'command';
  command: string;
  timeout: number;
}

/** One matcher group per event, matching everything (no matcher: every tool, notification, reason). */
function ourGroup(event: string): { hooks: CommandHook[] } {
  const timeout = event === 'PermissionRequest' ? PERMISSION_HOOK_TIMEOUT_SECONDS : REPORT_HOOK_TIMEOUT_SECONDS;
  return { hooks: [{ type: 'command', command: `${CLAUDE_HOOK_PROGRAM} ${event}`, timeout }] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a matcher group already runs our hook (any event: the program's path tells it). */
function namesOurHook(group: unknown): boolean {
  if (!isRecord(group) || !Array.isArray(group.hooks)) return false;
  return group.hooks.some((hook) => isRecord(hook) && typeof hook.command === 'string' && hook.command.startsWith(CLAUDE_HOOK_PROGRAM));
}

export type HookMerge =
  { kind: 'merged'; content: Buffer; added: string[] } | { kind: 'unchanged' } | { kind: 'left-alone'; warning: string };

/**
 * The settings with our hooks appended to each event that lacks them; `existing` null: no file
 * yet. `shown` names the file in a warning ("~/.claude/settings.json").
 */
export function mergeReportHooks(existing: Buffer | null, shown: string): HookMerge {
  const settings = existing === null || existing.toString('utf8').trim() === '' ? {} : parseJson(existing.toString('utf8'));
  const leftAlone = (why: string): HookMerge => ({
    kind: 'left-alone',
    warning: `${shown} ${why}: left as it is, so the bottle's status and permission questions will not reach you`,
  });
  if (!isRecord(settings)) return leftAlone('is not a JSON object');
  const hooks = settings.hooks ?? {};
  if (!isRecord(hooks)) return leftAlone('has "hooks" that are not an object');
  const added: string[] = [];
  const merged: Record<string, unknown> = { ...hooks };
  for (const event of CLAUDE_HOOK_EVENTS) {
    const groups = hooks[event] ?? [];
    if (!Array.isArray(groups)) return leftAlone(`has "hooks.${event}" that is not a list`);
    if (groups.some(namesOurHook)) continue;
    merged[event] = [...(groups as unknown[]), ourGroup(event)];
    added.push(event);
  }
  if (added.length === 0) return { kind: 'unchanged' };
  let text: string;
  try {
    text = JSON.stringify({ ...settings, hooks: merged }, null, 2);
  } catch (error: unknown) {
    // JSON.parse takes any depth, JSON.stringify recurses: a resumed bottle's own settings.json
    // nested 100,000 deep (200 KB) overflowed the stack and made the bottle impossible to resume.
    if (error instanceof RangeError) return leftAlone('is nested too deeply to add hooks to');
    throw error;
  }
  return { kind: 'merged', content: Buffer.from(`${text}\n`), added };
}

/** Where Claude Code reads the user settings in a bottle: its config folder (CLAUDE_CONFIG_DIR). */
export function claudeSettingsPath(configDir: string): string {
  return posix.join(configDir, 'settings.json');
}
