import { createHash } from 'node:crypto';
import { readClaudeLoginFile } from './claude-login-file';

/*
 * What a bottle holds instead of a real credential (issue 20): a string shaped like the kind, so
 * the agent accepts it, that the gateway replaces with the real value on the credential's own
 * hosts. Deterministic (the set and the kind decide it): the bottle and the table the core pushes
 * name the same placeholder without either storing it, and it says nothing of the real value.
 */

/** api-key: sk-ant-api03-…; oauth: an OAuth access or setup token; refresh: a refresh token; other: any other agent's. */
export type PlaceholderKind = 'api-key' | 'oauth' | 'refresh' | 'other';

const PREFIX: Record<PlaceholderKind, string> = {
  'api-key': 'sk-ant-api03-claude-bottle-placeholder-',
  oauth: 'sk-ant-oat01-claude-bottle-placeholder-',
  refresh: 'sk-ant-ort01-claude-bottle-placeholder-',
  other: 'claude-bottle-placeholder-',
};

export function placeholderFor(set: string, kind: PlaceholderKind): string {
  return `${PREFIX[kind]}${createHash('sha256').update(set).update('\0').update(kind).digest('hex').slice(0, 16)}`;
}

/** Whether a text is one of our placeholders (never a value worth storing or injecting). */
export function isPlaceholder(text: string): boolean {
  return Object.values(PREFIX).some((prefix) => text.startsWith(prefix));
}

/** The kind of a secret variable, by the names Claude Code reads; any other agent's is `other`. */
export function envPlaceholderKind(name: string): PlaceholderKind {
  if (name === 'ANTHROPIC_API_KEY') return 'api-key';
  if (name === 'CLAUDE_CODE_OAUTH_TOKEN' || name === 'ANTHROPIC_AUTH_TOKEN') return 'oauth';
  return 'other';
}

/** The login a `.credentials.json` holds, as far as signing needs it. */
export interface OauthLogin {
  accessToken: string;
  scopes: unknown;
  subscriptionType: unknown;
}

/** Claude Code's `.credentials.json` read; null when it holds no OAuth login (then nothing can be signed with it). */
export function readOauthLogin(content: Buffer): OauthLogin | null {
  const oauth = readClaudeLoginFile(content)?.oauth;
  if (oauth === undefined) return null;
  const { accessToken } = oauth;
  if (typeof accessToken !== 'string' || accessToken === '' || isPlaceholder(accessToken)) return null;
  return { accessToken, scopes: oauth.scopes, subscriptionType: oauth.subscriptionType };
}

/** The end of time as Claude Code's login file counts it: a placeholder login never looks expired, so the agent never refreshes it. */
export const PLACEHOLDER_EXPIRES_AT = 253402300799000;

/**
 * The bottle's `.credentials.json`: placeholders for both tokens (the refresh happens at home),
 * the login's real scopes and plan (the agent shows and checks them; they are not secrets).
 */
export function placeholderLoginFile(set: string, login: OauthLogin): Buffer {
  const claudeAiOauth = {
    accessToken: placeholderFor(set, 'oauth'),
    refreshToken: placeholderFor(set, 'refresh'),
    expiresAt: PLACEHOLDER_EXPIRES_AT,
    scopes: login.scopes ?? [],
    subscriptionType: login.subscriptionType ?? null,
  };
  return Buffer.from(`${JSON.stringify({ claudeAiOauth })}\n`);
}
