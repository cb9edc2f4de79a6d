import { parseJson } from '../base/parse-json';

/*
 * Claude Code's login file, `.credentials.json` (issue 20's research §1a): a JSON object whose
 * `claudeAiOauth` object holds the login. One reader for every place that looks inside it: the
 * placeholder a launch puts into a bottle, the home refresh, and the sign-in flow's check.
 */

export interface ClaudeLoginFile {
  /** The whole file: a rewrite keeps every other field as it was. */
  file: Record<string, unknown>;
  oauth: Record<string, unknown>;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The file and its `claudeAiOauth` object; null when the content is not JSON or holds no such object. */
export function readClaudeLoginFile(content: Buffer): ClaudeLoginFile | null {
  const file = asObject(parseJson(content.toString('utf8')));
  const oauth = asObject(file?.claudeAiOauth);
  return file === null || oauth === null ? null : { file, oauth };
}
