import type Docker from 'dockerode';
import { readContainerFile } from './container-files';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    entries.push({ name: fields[0] as string, uid, gid, home: fields[5] as string });
  }
  return entries;
}

/** Reads /etc/passwd out of a created (not yet started) container; empty when it has none. */
export async function readContainerPasswd(container: Docker.Container): Promise<PasswdEntry[]> {
  // /etc/passwd is small; the cap guards against a hostile image.
  const file = await readContainerFile(container, '/etc/passwd', 1024 * 1024);
  return file === null ? [] : parsePasswd(file.content.toString('utf8'));
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
}

/**
 * Resolves a Docker `User` value (name, uid, name:group or uid:gid) against the image's passwd.
 * The home comes from the agent's own user entry even when the process runs under another uid.
 */
export function resolveUser(user: string | null, passwd: PasswdEntry[]): ResolvedUser {
  const spec = user === null || user === '' ? 'root' : user;
  const [namePart = 'root', groupPart] = spec.split(':');
  const byName = passwd.find((entry) => entry.name === namePart);
  const numeric = /^\d+$/.test(namePart) ? Number(namePart) : null;
  const byUid = numeric === null ? undefined : passwd.find((entry) => entry.uid === numeric);
  const entry = byName ?? byUid;
  const uid = numeric ?? entry?.uid ?? 0;
  const gid = groupPart !== undefined && /^\d+$/.test(groupPart) ? Number(groupPart) : (entry?.gid ?? uid);
  return { uid, gid, home: entry?.home ?? (uid === 0 ? '/root' : '/tmp') };
}
