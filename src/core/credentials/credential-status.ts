import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CredentialEntry, CredentialStatus, SignedOutState, SignInMethod } from '../../shared/credentials-view';
import { ifExists } from '../fs/if-exists';
import { expiresAtOf, planOf } from './credential-freshness';
import { readSignedOut, readStoredFile, storedEnvNames, storedFileNames } from './credential-store';
import { refreshTokenOf, SUBSCRIPTION_LOGIN_FILE } from './credential-refresh';
import { loginDigest, readRefreshFailure } from './refresh-failure';
import { credentialsRoot } from '../state/state-paths';

/** What each known secret is, in the operator's words (Claude Code's; anything else is "other"). */
const METHODS: Record<string, SignInMethod> = {
  '.credentials.json': 'subscription',
  CLAUDE_CODE_OAUTH_TOKEN: 'token',
  ANTHROPIC_AUTH_TOKEN: 'token',
  ANTHROPIC_API_KEY: 'api-key',
};

/** The variables looked for in this process's environment: what a launch would pass in. */
const HOST_ENV_NAMES = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'];

/** Which login Claude Code uses when there are several: a key, then a token, then the subscription. */
const PRECEDENCE: SignInMethod[] = ['api-key', 'token', 'subscription', 'other'];

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** How a set is signed in: its stored logins and values, and the ones this process's environment holds. */
export async function credentialStatus(set: string, hostEnv: NodeJS.ProcessEnv = process.env): Promise<CredentialStatus> {
  const entries: CredentialEntry[] = [];
  for (const name of await storedFileNames(set)) {
    const file = await readStoredFile(set, name);
    if (file === null) continue;
    entries.push({
      method: METHODS[name] ?? 'other',
      name,
      source: 'store',
      updatedAt: iso(file.mtimeMs),
      expiresAt: iso(expiresAtOf(file.content)),
      detail: planOf(file.content),
    });
  }
  for (const name of await storedEnvNames(set)) {
    const info = await ifExists(stat(join(credentialsRoot(), set, 'env', name)));
    entries.push({
      method: METHODS[name] ?? 'other',
      name,
      source: 'store',
      updatedAt: iso(info?.mtimeMs ?? null),
      expiresAt: null,
      detail: null,
    });
  }
  for (const name of HOST_ENV_NAMES) {
    const value = hostEnv[name];
    if (value !== undefined && value !== '')
      entries.push({ method: METHODS[name] ?? 'other', name, source: 'environment', updatedAt: null, expiresAt: null, detail: null });
  }
  const method = PRECEDENCE.find((candidate) => entries.some((entry) => entry.method === candidate)) ?? null;
  const forgotten = await readSignedOut(set);
  return {
    set,
    method,
    entries,
    storeDir: credentialsRoot(),
    forgottenAt: forgotten?.at ?? null,
    signedOut: method === 'subscription' ? await refusedLogin(set) : null,
  };
}

/**
 * The stored subscription login's refusal at a home refresh, if the login stored now is the one
 * refused (a later sign-in replaces it and so ends it). Only when it is the login the agent uses:
 * with a key or token beside it, the bottles still work.
 */
async function refusedLogin(set: string): Promise<SignedOutState | null> {
  const failure = await readRefreshFailure(set);
  if (failure === null) return null;
  const file = await readStoredFile(set, SUBSCRIPTION_LOGIN_FILE);
  const refreshToken = file === null ? null : refreshTokenOf(file.content);
  return refreshToken !== null && loginDigest(refreshToken) === failure.login ? { at: failure.at, reason: failure.reason } : null;
}
