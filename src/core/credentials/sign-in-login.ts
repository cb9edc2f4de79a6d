import { readClaudeLoginFile } from './claude-login-file';

/**
 * Whether a file the sign-in command wrote is a login worth storing; null when it is, else why not
 * (one line, never the content). Claude Code's `.credentials.json` must be its OAuth login: an
 * access token, a refresh token (the store refreshes it at home) and when the token expires. Any
 * other agent's login file is taken as the agent wrote it, if it is not empty.
 */
export function loginProblem(name: string, content: Buffer): string | null {
  if (content.length === 0) return `${name} is empty`;
  if (name !== '.credentials.json') return null;
  const login = readClaudeLoginFile(content)?.oauth;
  if (login === undefined) return `${name} holds no Claude login (no "claudeAiOauth" object)`;
  const { accessToken, refreshToken, expiresAt } = login;
  if (typeof accessToken !== 'string' || accessToken === '') return `${name} holds no access token`;
  if (typeof refreshToken !== 'string' || refreshToken === '') return `${name} holds no refresh token`;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return `${name} does not say when its token expires`;
  return null;
}
