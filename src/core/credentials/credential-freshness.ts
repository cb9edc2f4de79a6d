import { parseJson } from '../base/parse-json';

/**
 * Which of two copies of a login is the newer one. A login file that says when its token expires
 * (Claude Code's `.credentials.json`: `claudeAiOauth.expiresAt`) is compared by that: a login or a
 * refresh always moves it forward. Anything else is compared by modification time.
 */

export interface CredentialVersion {
  content: Buffer;
  /** Whole seconds, in ms: archives carry seconds only, so every side is compared at that grain. */
  mtimeMs: number;
}

export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** The login file's JSON object; null for anything else (not JSON: compared by time only). */
function parseObject(content: Buffer): Record<string, unknown> | null {
  const value = parseJson(content.toString('utf8'));
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The object that describes the login: the file itself, or its one nested login object. */
function loginObject(content: Buffer): Record<string, unknown> | null {
  const json = parseObject(content);
  if (json === null) return null;
  if (typeof json.expiresAt === 'number') return json;
  for (const value of Object.values(json)) {
    if (value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>).expiresAt === 'number')
      return value as Record<string, unknown>;
  }
  return json;
}

/** When the login's token expires (ms since the epoch), if the file says. */
export function expiresAtOf(content: Buffer): number | null {
  const expires = loginObject(content)?.expiresAt;
  return typeof expires === 'number' && Number.isFinite(expires) ? expires : null;
}

/** What kind of subscription a Claude Code login is for ("max", "pro"), if it says. */
export function planOf(content: Buffer): string | null {
  const plan = loginObject(content)?.subscriptionType;
  return typeof plan === 'string' && /^[A-Za-z0-9 _-]{1,32}$/.test(plan) ? plan : null;
}

/** True when `a` should replace `b`: newest wins. Equal content is never newer. */
export function isNewer(a: CredentialVersion, b: CredentialVersion): boolean {
  if (a.content.equals(b.content)) return false;
  const expiresA = expiresAtOf(a.content);
  const expiresB = expiresAtOf(b.content);
  if (expiresA !== null && expiresB !== null && expiresA !== expiresB) return expiresA > expiresB;
  return wholeSeconds(a.mtimeMs) > wholeSeconds(b.mtimeMs);
}
