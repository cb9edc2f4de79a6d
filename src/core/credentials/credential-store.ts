import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { readSmallFileBytes } from '../fs/read-small-file';
import { credentialsRoot } from '../state/state-paths';
import { isNewer, wholeSeconds, type CredentialVersion } from './credential-freshness';
import { CREDENTIAL_SET_PATTERN, isPlainName } from '../agents/agent-options';

/*
 * The credential store (DESIGN.md §2, §4): agents' secret files and secret variables, outside the
 * state folder so no snapshot, listing or copy of state/ ever carries them.
 *
 *   <root>/credentials/                       0700
 *   <root>/credentials/<set>/files/<name>     0600   a login file; its mtime is the login's own
 *   <root>/credentials/<set>/env/<NAME>       0600   a variable's value (`credentials set`)
 *   <root>/credentials/<set>/signed-out.json  0600   when the operator signed out, see below
 *
 * Plain files, not encrypted: the CLI, `serve` and the desktop app must all read the same store,
 * and only Electron can reach the OS keychain. It is protected like ~/.claude/.credentials.json.
 */

/** A login file or a token is small; anything larger is not one. */
export const MAX_SECRET_BYTES = 64 * 1024;

function setDir(set: string): string {
  if (!CREDENTIAL_SET_PATTERN.test(set)) throw new Error(`invalid credential set ${JSON.stringify(set.slice(0, 80))}`);
  return join(credentialsRoot(), set);
}

function checkedName(name: string): string {
  if (!isPlainName(name)) throw new Error(`invalid secret name ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}

/** Creates the store's folders 0700, and puts the mode back if something loosened it. */
async function ensureSetDir(set: string, sub: 'files' | 'env' | null): Promise<string> {
  const root = credentialsRoot();
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const dir = setDir(set);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (sub === null) return dir;
  await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
  return join(dir, sub);
}

/**
 * A small regular file of ours: never through a link, never more than the cap. Null when there is
 * none, or what is there is no small file (no login); a link or a file the host cannot read throws.
 */
async function readSmallFile(path: string): Promise<{ content: Buffer; mtimeMs: number } | null> {
  const read = await readSmallFileBytes(path, MAX_SECRET_BYTES);
  if (read.kind === 'ok') return { content: read.bytes, mtimeMs: read.mtimeMs };
  if (read.kind === 'corrupt' && read.cause !== undefined) throw read.cause;
  return null;
}

export async function readStoredFile(set: string, name: string): Promise<CredentialVersion | null> {
  return readSmallFile(join(setDir(set), 'files', checkedName(name)));
}

export async function storedFileNames(set: string): Promise<string[]> {
  return (await orIfMissing(readdir(join(setDir(set), 'files')), [] as string[])).filter(isPlainName).sort();
}

export async function writeStoredFile(set: string, name: string, version: CredentialVersion): Promise<void> {
  const dir = await ensureSetDir(set, 'files');
  await writeFileAtomic(join(dir, checkedName(name)), version.content, 0o600, { mtime: new Date(wholeSeconds(version.mtimeMs)) });
}

export async function readStoredEnv(set: string, name: string): Promise<string | null> {
  const file = await readSmallFile(join(setDir(set), 'env', checkedName(name)));
  return file === null ? null : file.content.toString('utf8');
}

export async function storedEnvNames(set: string): Promise<string[]> {
  return (await orIfMissing(readdir(join(setDir(set), 'env')), [] as string[])).filter(isPlainName).sort();
}

export async function storeEnv(set: string, name: string, value: string): Promise<void> {
  const dir = await ensureSetDir(set, 'env');
  await writeFileAtomic(join(dir, checkedName(name)), value, 0o600);
}

/**
 * After "Sign out": an old bottle migrated afterwards (credential-migration.ts) may still hold the
 * login that was signed out of; a copy from a container created before the sign-out is never taken
 * into the store, so signing out stays signed out. (`pushed`: containers an older version signed
 * in again afterwards; kept so such a file still reads.)
 */
export interface SignedOut {
  at: string;
  /** Containers that got the store's login after `at` (pushed in by the live core). */
  pushed: string[];
}

function signedOutPath(set: string): string {
  return join(setDir(set), 'signed-out.json');
}

export async function readSignedOut(set: string): Promise<SignedOut | null> {
  const file = await readSmallFile(signedOutPath(set));
  if (file === null) return null;
  // Only we write it, atomically; text that is not JSON means damaged: treat as never signed out.
  const parsed = parseJson(file.content.toString('utf8')) as Partial<SignedOut> | null | undefined;
  if (typeof parsed?.at !== 'string') return null;
  return { at: parsed.at, pushed: Array.isArray(parsed.pushed) ? parsed.pushed.filter((id): id is string => typeof id === 'string') : [] };
}

/** Where a copy of a login comes from: the container, and when it was created (ms). */
export interface LoginSource {
  containerId: string;
  createdMs: number;
}

export type OfferResult = 'stored' | 'same' | 'older' | 'signed-out' | 'empty';

/**
 * A login file an older version left in a bottle, at that bottle's one-time migration: it replaces
 * the stored one when it is newer (newest wins), unless it comes from a container that was running
 * when the operator signed out. Nothing else offers a file from a bottle (issue 20).
 */
export async function offerSecretFile(set: string, name: string, version: CredentialVersion, source: LoginSource): Promise<OfferResult> {
  if (version.content.length === 0) return 'empty';
  const signedOut = await readSignedOut(set);
  if (signedOut !== null && source.createdMs <= Date.parse(signedOut.at) && !signedOut.pushed.includes(source.containerId))
    return 'signed-out';
  const current = await readStoredFile(set, name);
  if (current !== null && current.content.equals(version.content)) return 'same';
  if (current !== null && !isNewer(version, current)) return 'older';
  await writeStoredFile(set, name, version);
  return 'stored';
}

/** Sign out: every stored login and value of the set is deleted, and the moment recorded. */
export async function forgetSet(set: string): Promise<void> {
  const dir = await ensureSetDir(set, null);
  await rm(join(dir, 'files'), { recursive: true, force: true });
  await rm(join(dir, 'env'), { recursive: true, force: true });
  await writeFileAtomic(signedOutPath(set), `${JSON.stringify({ at: new Date().toISOString(), pushed: [] })}\n`, 0o600);
}

/**
 * A cheap fingerprint of everything in a set (names, sizes, times): the live core compares it to
 * notice a change made by any process (`credentials set`, a sign-in, a refresh, `credentials forget`).
 */
export async function setFingerprint(set: string): Promise<string> {
  const dir = setDir(set);
  const parts: string[] = [];
  for (const sub of ['files', 'env']) {
    // Only "not there" counts as absent: a set the host cannot read fails, never looks signed out.
    for (const name of await orIfMissing(readdir(join(dir, sub)), [] as string[])) {
      const info = await ifExists(stat(join(dir, sub, name)));
      parts.push(`${sub}/${name}:${info?.size ?? -1}:${info?.mtimeMs ?? -1}`);
    }
  }
  const signedOut = await ifExists(stat(signedOutPath(set)));
  parts.push(`signed-out:${signedOut?.mtimeMs ?? -1}`);
  return parts.sort().join('|');
}

/**
 * The sign-in flow's login (issue 20, `credentials login`): the operator's deliberate sign-in, so it
 * replaces what is stored whatever either says of its age, and ends a sign-out and a refresh that
 * had failed (the files first: a crash between leaves the old marks on a new login, never the reverse).
 */
export async function storeSignIn(set: string, files: readonly { name: string; content: Buffer }[]): Promise<void> {
  for (const file of files) await writeStoredFile(set, file.name, { content: file.content, mtimeMs: Date.now() });
  await rm(signedOutPath(set), { force: true });
  await rm(join(setDir(set), 'refresh-failed.json'), { force: true });
}
