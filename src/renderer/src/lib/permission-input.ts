import { escapeControl, escapeJsonText } from '../../../shared/escape-text';

/**
 * A permission question's tool input as the approval panel shows it: JSON laid out two spaces
 * deep when it is JSON (Claude Code sends the tool's input object), the agent's text as it is
 * otherwise; escaped either way, since the agent wrote it. Pure.
 */
export function permissionInputText(input: string): string {
  try {
    return escapeJsonText(JSON.stringify(JSON.parse(input) as unknown, null, 2));
  } catch (error: unknown) {
    // Not JSON (another agent's free text): shown as written, escaped.
    if (!(error instanceof SyntaxError)) throw error;
    return escapeControl(input);
  }
}
