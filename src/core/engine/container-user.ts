import type { EngineContainer } from './engine-client';
import { readContainerFile, statContainerPath } from './container-files';

/*
 * Which uid a Docker `User` runs a process as, decided the way the engine decides it (moby's
 * daemon resolves it with runc's user library against the container's own /etc/passwd), because
 * that, not how the name reads, is what says "root": `USER 00` is root, and so is a user whose
 * passwd line an image rewrote to uid 0. The image is hostile input, so every quirk of that
 * library that can turn into uid 0 is followed here, not smoothed over:
 * - a line is trimmed of white space and split on `:`; missing fields are empty, and a uid field
 *   that is not a number reads as 0 (Go's Atoi error is ignored there);
 * - numbers are Go's Atoi: an optional sign and decimal digits (`+0`, `-0` and `00` are 0), past
 *   int64 clamped; the engine then keeps the low 32 bits (uid 4294967296 runs as 0);
 * - a numeric user matches by uid, any other by name, and the first matching line wins.
 */

/** /etc/passwd past this is refused rather than read: a real one is a few kilobytes. */
export const MAX_PASSWD_BYTES = 1024 * 1024;

export interface PasswdEntry {
  name: string;
  /** The uid field as the engine's parser reads it (0 when not a number, clamped past int64). */
  uidField: bigint;
  /** The uid a process of this user runs as: the field's low 32 bits, as the engine passes it on. */
  uid: number;
  gid: number;
  home: string;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Go's strconv.Atoi on a 64-bit engine: the value it returns (clamped on overflow) and whether it parsed. */
function goAtoi(text: string): { value: bigint; ok: boolean } {
  if (!/^[+-]?[0-9]+$/.test(text)) return { value: 0n, ok: false };
  const value = BigInt(text);
  if (value > INT64_MAX) return { value: INT64_MAX, ok: false };
  if (value < INT64_MIN) return { value: INT64_MIN, ok: false };
  return { value, ok: true };
}

/** The id a process gets: what the engine's uint32 conversion keeps. */
function low32(value: bigint): number {
  return Number(BigInt.asUintN(32, value));
}

// Go's bytes.TrimSpace: ASCII white space plus Unicode's White_Space characters.
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/** Every entry, in file order, as the engine's parser reads them. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(TRIM, '');
    if (line === '') continue;
    const fields = line.split(':');
    const uidField = goAtoi(fields[2] ?? '').value;
    entries.push({
      name: fields[0] ?? '',
      uidField,
      uid: low32(uidField),
      gid: low32(goAtoi(fields[3] ?? '').value),
      home: fields[5] ?? '',
    });
  }
  return entries;
}

/** Reads /etc/passwd out of a created (not yet started) container; empty when it has none or it is not a file. */
export async function readContainerPasswd(container: EngineContainer): Promise<PasswdEntry[]> {
  const file = await readContainerFile(container, '/etc/passwd', MAX_PASSWD_BYTES);
  return file === null ? [] : parsePasswd(file.content.toString('utf8'));
}

/**
 * /etc/passwd of a created container, for a decision on it: null when there is none. The engine
 * follows a symlinked /etc/passwd, which the archive API does not, so one is refused here (as is
 * anything but a regular file, or one past MAX_PASSWD_BYTES) rather than judged by another file.
 */
export async function readContainerPasswdStrictly(container: EngineContainer): Promise<PasswdEntry[] | null> {
  const stat = await statContainerPath(container, '/etc/passwd');
  if (stat === null) return null;
  if (!stat.isFile) throw new Error('its /etc/passwd is not a regular file (a symlink, say), so its users cannot be told apart');
  const file = await readContainerFile(container, '/etc/passwd', MAX_PASSWD_BYTES);
  if (file === null) throw new Error('its /etc/passwd changed while it was read');
  return parsePasswd(file.content.toString('utf8'));
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
}

/** Uids a numeric user without a passwd entry may have (runc refuses the rest). */
const MAX_FREE_UID = 2n ** 31n - 1n;

/**
 * The uid, gid and home a Docker `User` value (name, uid, name:group or uid:gid; empty: root)
 * runs as in an image with this passwd, as the engine resolves it; null when the engine refuses to
 * run it (a name the passwd lacks, a numeric uid out of range). The gid, used only for owning the
 * files we put in, is the numeric group when given, else the entry's, else the uid.
 */
export function resolveExecUser(user: string | null, passwd: PasswdEntry[]): ResolvedUser | null {
  const [userArg = '', groupArg] = (user ?? '').split(':');
  const numeric = goAtoi(userArg);
  const entry = passwd.find((candidate) =>
    userArg === '' ? candidate.uidField === 0n : numeric.ok ? candidate.uidField === numeric.value : candidate.name === userArg,
  );
  let uid: number;
  if (entry !== undefined) uid = entry.uid;
  else if (userArg === '') uid = 0;
  else if (numeric.ok && numeric.value >= 0n && numeric.value <= MAX_FREE_UID) uid = Number(numeric.value);
  else return null;
  const group = goAtoi(groupArg ?? '');
  const gid = groupArg !== undefined && group.ok ? low32(group.value) : (entry?.gid ?? uid);
  return { uid, gid, home: entry?.home ?? (uid === 0 ? '/root' : '/tmp') };
}

/**
 * Like resolveExecUser, for a container the engine already runs (so it found the user): a user it
 * would refuse comes back as root's, as before. Decisions on root use resolveExecUser.
 */
export function resolveUser(user: string | null, passwd: PasswdEntry[]): ResolvedUser {
  return resolveExecUser(user, passwd) ?? { uid: 0, gid: 0, home: '/root' };
}
