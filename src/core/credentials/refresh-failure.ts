import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CREDENTIAL_SET_PATTERN } from '../agents/agent-options';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileBytes } from '../fs/read-small-file';
import { credentialsRoot } from '../state/state-paths';

/*
 * `<store>/<set>/refresh-failed.json` {at, reason, login}: the sign-in service refused the set's
 * subscription login at a home refresh (revoked, expired, spent elsewhere), so the set is signed
 * out until the operator signs in again. `login` names the refused login by a digest of its
 * refresh token (never the token): a new login, however it reaches the store (sign-in, migration),
 * has another one, so the record no longer applies to it without anyone having to clear it.
 */

const FILE = 'refresh-failed.json';
const MAX_RECORD_BYTES = 4096;

export interface RefreshFailure {
  at: string;
  /** One line, from the service's answer; never a token. */
  reason: string;
  login: string;
}

/** The set's folder in the store (the set name is checked: it becomes a path). */
export function credentialSetDir(set: string): string {
  if (!CREDENTIAL_SET_PATTERN.test(set)) throw new Error(`invalid credential set ${JSON.stringify(set.slice(0, 80))}`);
  return join(credentialsRoot(), set);
}

/** Which login a refresh token belongs to, without holding anything that could be used as it. */
export function loginDigest(refreshToken: string): string {
  return createHash('sha256').update('claude-bottle refresh token\0').update(refreshToken).digest('hex').slice(0, 16);
}

export async function readRefreshFailure(set: string): Promise<RefreshFailure | null> {
  const read = await readSmallFileBytes(join(credentialSetDir(set), FILE), MAX_RECORD_BYTES);
  if (read.kind === 'corrupt' && read.cause !== undefined) throw read.cause;
  if (read.kind !== 'ok') return null;
  // Only we write it, atomically; anything unreadable as the record is treated as no record.
  const json = parseJson(read.bytes.toString('utf8')) as Partial<RefreshFailure> | null | undefined;
  if (typeof json?.at !== 'string' || typeof json.reason !== 'string' || typeof json.login !== 'string') return null;
  return { at: json.at, reason: json.reason, login: json.login };
}

export async function recordRefreshFailure(set: string, refreshToken: string, reason: string): Promise<RefreshFailure> {
  const failure: RefreshFailure = { at: new Date().toISOString(), reason, login: loginDigest(refreshToken) };
  await writeFileAtomic(join(credentialSetDir(set), FILE), `${JSON.stringify(failure)}\n`, 0o600);
  return failure;
}

/** A new login is stored: the record of the old one's refusal goes. */
export async function clearRefreshFailure(set: string): Promise<void> {
  await rm(join(credentialSetDir(set), FILE), { force: true });
}
