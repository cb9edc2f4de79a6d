import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CREDENTIAL_SET_PATTERN } from '../agents/agent-options';
import { errorMessage } from '../base/bottle-error';
import { orIfMissing } from '../fs/if-exists';
import { credentialsRoot } from '../state/state-paths';
import { withLockFile } from '../state/root-lock';
import { readClaudeLoginFile } from './claude-login-file';
import { PLACEHOLDER_MARK } from './credential-kinds';
import { readStoredFile, writeStoredFile } from './credential-store';
import { exchangeRefreshToken, type RefreshedTokens } from './oauth-token-client';
import { clearRefreshFailure, credentialSetDir, loginDigest, readRefreshFailure, recordRefreshFailure } from './refresh-failure';

/*
 * The home refresh (issue 20): a subscription login in the store is refreshed by the host before
 * its access token runs out, so no bottle ever holds the refresh token or spends it. The refresh
 * token is single use (the service rotates it): every refresher of every process of the root
 * takes the set's lock file and reads the login again under it, so one token is spent once.
 */

/** Claude Code's subscription login file, as the store keeps it. */
export const SUBSCRIPTION_LOGIN_FILE = '.credentials.json';
/** Refreshed when less than this remains: access tokens last hours, so a round a minute is plenty. */
export const REFRESH_MARGIN_MS = 10 * 60_000;
/**
 * A refresh a bottle asked for (its request was refused upstream, and the gateway answered its own
 * refresh with placeholders) is made at once, unless the stored login is younger than this: a
 * hostile bottle asking again and again must not spend token after token.
 */
export const FORCED_REFRESH_MIN_AGE_MS = 5 * 60_000;

interface SubscriptionLogin {
  /** The whole file: every other field is written back as it was. */
  file: Record<string, unknown>;
  oauth: Record<string, unknown>;
  refreshToken: string;
  expiresAt: number;
  scopes: string[] | null;
}

/** The login's refresh token, if it is a subscription login with one. */
export function refreshTokenOf(content: Buffer): string | null {
  return subscriptionLogin(content)?.refreshToken ?? null;
}

/** The refreshable login in the file; null for anything else (no refresh token, or one of our placeholders). */
function subscriptionLogin(content: Buffer): SubscriptionLogin | null {
  const read = readClaudeLoginFile(content);
  if (read === null) return null;
  const { file, oauth } = read;
  const { refreshToken, expiresAt } = oauth;
  if (typeof refreshToken !== 'string' || refreshToken === '' || refreshToken.includes(PLACEHOLDER_MARK)) return null;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return null;
  const scopes = Array.isArray(oauth.scopes) ? oauth.scopes.filter((scope): scope is string => typeof scope === 'string') : null;
  return { file, oauth, refreshToken, expiresAt, scopes };
}

/** The login with its new tokens: the same refresh token when the service did not rotate it. */
function refreshedLogin(login: SubscriptionLogin, tokens: RefreshedTokens, now: number): Buffer {
  const oauth: Record<string, unknown> = {
    ...login.oauth,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? login.refreshToken,
    expiresAt: now + tokens.expiresInSeconds * 1000,
  };
  if (tokens.scopes !== null) oauth.scopes = tokens.scopes;
  if (tokens.refreshExpiresInSeconds !== null) oauth.refreshTokenExpiresAt = now + tokens.refreshExpiresInSeconds * 1000;
  return Buffer.from(JSON.stringify({ ...login.file, claudeAiOauth: oauth }));
}

/**
 * `none`: no refreshable login; `not-due`: more than the margin left; `signed-out`: the service
 * refused this login before (sign in again); `refreshed`; `refused` (now signed out, `reason`
 * says why); `failed`: no answer worth acting on (tried again next round, still signed in).
 */
export type RefreshResult = 'none' | 'not-due' | 'signed-out' | 'refreshed' | 'refused' | 'failed';

export interface RefreshOutcome {
  set: string;
  result: RefreshResult;
  reason: string | null;
}

type Verdict = { result: 'none' | 'not-due' } | { result: 'signed-out'; reason: string } | { result: 'due'; login: SubscriptionLogin };

/** What to do about the set's login now; a refusal recorded for an older login is dropped. */
async function verdictFor(set: string, now: number, force: boolean): Promise<Verdict> {
  const stored = await readStoredFile(set, SUBSCRIPTION_LOGIN_FILE);
  const login = stored === null ? null : subscriptionLogin(stored.content);
  if (login === null) return { result: 'none' };
  const failure = await readRefreshFailure(set);
  if (failure !== null && failure.login === loginDigest(login.refreshToken)) return { result: 'signed-out', reason: failure.reason };
  if (failure !== null) await clearRefreshFailure(set);
  const due = login.expiresAt - now < REFRESH_MARGIN_MS || (force && now - (stored?.mtimeMs ?? now) >= FORCED_REFRESH_MIN_AGE_MS);
  return due ? { result: 'due', login } : { result: 'not-due' };
}

/**
 * Refreshes the set's subscription login when it runs out within the margin, or (`force`: a bottle's
 * token was refused upstream) when it is older than FORCED_REFRESH_MIN_AGE_MS; never throws for the
 * service's answers.
 */
export async function refreshIfDue(set: string, options: { force?: boolean } = {}): Promise<RefreshOutcome> {
  const force = options.force === true;
  const outcome = (result: RefreshResult, reason: string | null = null): RefreshOutcome => ({ set, result, reason });
  // Unlocked first: most rounds find nothing to do, and need not queue behind another process.
  const first = await verdictFor(set, Date.now(), force);
  if (first.result !== 'due') return outcome(first.result, first.result === 'signed-out' ? first.reason : null);
  return withLockFile(join(credentialSetDir(set), 'refresh.lock'), async () => {
    // Read again under the lock: another process may have spent the token meanwhile.
    const verdict = await verdictFor(set, Date.now(), force);
    if (verdict.result !== 'due') return outcome(verdict.result, verdict.result === 'signed-out' ? verdict.reason : null);
    const { login } = verdict;
    const answer = await exchangeRefreshToken(login.refreshToken, login.scopes);
    if (answer.kind === 'failed') return outcome('failed', answer.reason);
    if (answer.kind === 'refused') {
      await recordRefreshFailure(set, login.refreshToken, answer.reason);
      return outcome('refused', answer.reason);
    }
    const now = Date.now();
    await writeStoredFile(set, SUBSCRIPTION_LOGIN_FILE, { content: refreshedLogin(login, answer.tokens, now), mtimeMs: now });
    return outcome('refreshed');
  });
}

/** Every set of the store with a subscription login. */
export async function setsWithLogins(): Promise<string[]> {
  const names = await orIfMissing(readdir(credentialsRoot()), [] as string[]);
  const sets: string[] = [];
  for (const name of names.filter((entry) => CREDENTIAL_SET_PATTERN.test(entry)).sort())
    if ((await readStoredFile(name, SUBSCRIPTION_LOGIN_FILE)) !== null) sets.push(name);
  return sets;
}

/** One round over the store: each set refreshed when due, one after another. */
export async function refreshAllDue(): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = [];
  for (const set of await setsWithLogins()) {
    try {
      outcomes.push(await refreshIfDue(set));
    } catch (error: unknown) {
      // The store itself failed (a folder the host cannot write): the others are still refreshed.
      outcomes.push({ set, result: 'failed', reason: errorMessage(error) });
    }
  }
  return outcomes;
}
