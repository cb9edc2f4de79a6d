import type { BigIntStats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';
import { readHostFile } from './content-digest';

/** Identities remembered at most; the oldest go first. */
const MAX_REMEMBERED = 100_000;

/** By file identity: the content's blob id once read, or the read under way (forks read one checkpoint's files side by side). */
const remembered = new Map<string, Promise<string | null>>();

/**
 * What names one file's content for as long as this process runs: device, inode, birth time, size
 * and modification time, not the change time. Snapshot and checkpoint files are never written in
 * place (replaced whole, or hard-linked: checkpoint-take, fork-populate, snapshot-unforge), the
 * agent cannot reach them, and an inode number used again gets a new birth time, which nobody can
 * set. The change time is left out because every hard link moves it: each fork of a checkpoint
 * links the same files, so with it no fork could use what another read. Null on a file system
 * that keeps no birth time: such a file is read every time.
 */
function identityOf(info: BigIntStats | null): string | null {
  if (info === null || !info.isFile() || info.birthtimeNs === 0n) return null;
  return `${info.dev}:${info.ino}:${info.birthtimeNs}:${info.size}:${info.mtimeNs}`;
}

/**
 * The blob id of a snapshot file's content (null: not a regular file inside `within`), read once
 * per file identity in this process (`read`: this call read it): the forks of one checkpoint hold
 * hard links to the same files, and the resume of each read all of them again (200 MB a fork). A
 * file replaced while it is read is not remembered.
 */
export async function snapshotFileOid(path: string, within: string): Promise<{ oid: string | null; read: boolean }> {
  const before = identityOf(await ifExists(lstat(path, { bigint: true })));
  const known = before === null ? undefined : remembered.get(before);
  if (known !== undefined) return { oid: await known, read: false };
  const reading = readHostFile(path, 0, undefined, within).then((read) => read?.digest.oid ?? null);
  if (before === null) return { oid: await reading, read: true };
  remembered.set(before, reading);
  try {
    const oid = await reading;
    const after = identityOf(await ifExists(lstat(path, { bigint: true })));
    if (oid === null || after !== before) remembered.delete(before);
    else if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
    return { oid, read: true };
  } catch (error: unknown) {
    remembered.delete(before);
    throw error;
  }
}
