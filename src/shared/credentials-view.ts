/**
 * How an agent is signed in, as every surface shows it (the header, `claude-bottle credentials`).
 * Pure types: no secret ever travels in these, only what kind of login there is and its dates.
 */

export type SignInMethod = 'subscription' | 'token' | 'api-key' | 'other';

export interface CredentialEntry {
  method: SignInMethod;
  /** The secret file or variable name, e.g. `.credentials.json`, `ANTHROPIC_API_KEY`. */
  name: string;
  /** `store`: saved in <root>/credentials; `environment`: set in this process's environment. */
  source: 'store' | 'environment';
  /** When the stored login last changed (a login or a refresh picked up from a bottle). */
  updatedAt: string | null;
  /** When the login's access token runs out, if it says. */
  expiresAt: string | null;
  /** e.g. the subscription plan ("max"). */
  detail: string | null;
}

export interface CredentialStatus {
  /** The credential set, e.g. `claude`: agents that share one sign in once. */
  set: string;
  /** What the agent would use first (null: not signed in). */
  method: SignInMethod | null;
  entries: CredentialEntry[];
  /** The store folder (<root>/credentials), for the operator who wants to look. */
  storeDir: string;
  /** When the operator last signed out, if ever. */
  forgottenAt: string | null;
  /**
   * The login the agent uses can no longer be refreshed (the sign-in service refused it at a home
   * refresh): bottles of this set are signed out until the operator signs in again. null: not so.
   */
  signedOut: SignedOutState | null;
}

export interface SignedOutState {
  /** When the refusal was seen. */
  at: string;
  /** One line, the service's words (e.g. "invalid_grant: Refresh token has been revoked"). */
  reason: string;
}

const METHOD_LABELS: Record<SignInMethod, string> = {
  subscription: 'subscription',
  token: 'token',
  'api-key': 'API key',
  other: 'saved login',
};

/** "subscription (max)", "API key", "not signed in", "signed out: <reason>": one phrase for the header and the CLI. */
export function describeSignIn(status: CredentialStatus): string {
  if (status.method === null) return 'not signed in';
  if (status.signedOut !== null) return `signed out: ${status.signedOut.reason}`;
  const first = status.entries.find((entry) => entry.method === status.method);
  const label = METHOD_LABELS[status.method];
  return first?.detail ? `${label} (${first.detail})` : label;
}

export function methodLabel(method: SignInMethod): string {
  return METHOD_LABELS[method];
}
