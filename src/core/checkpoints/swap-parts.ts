import { randomBytes } from 'node:crypto';
import { lstat, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';

/*
 * Several parts of a bottle's state folder replaced together (restore, issue 24): all of them, or
 * none. A process killed between two renames is put right part by part by recoverSnapshotSwap.
 */

/** One part of the state folder being replaced: the new copy staged beside it (null: the part goes). */
export interface Part {
  dest: string;
  staged: string | null;
  /** Where the current copy waits while the swap is under way; null when there was none. */
  old: string | null;
}

/** A name beside `dest`: for a staged copy (`kind` ''), or the current one set aside (`'old-'`, as recoverSnapshotSwap knows it). */
export function besideName(dest: string, kind: string): string {
  return join(dirname(dest), `${TEMP_PREFIX}${kind}${basename(dest)}-${randomBytes(6).toString('hex')}`);
}

/**
 * Every current copy renamed aside (with the name recoverSnapshotSwap knows), then every staged
 * one into place; on a failure the renames are undone in reverse, so every part is as it was.
 */
export async function swapAll(parts: Part[]): Promise<void> {
  const done: (() => Promise<void>)[] = [];
  try {
    for (const part of parts) {
      if ((await ifExists(lstat(part.dest))) === null) continue;
      const old = besideName(part.dest, 'old-');
      await rename(part.dest, old);
      part.old = old;
      done.push(async () => rename(old, part.dest));
    }
    for (const part of parts) {
      if (part.staged === null) continue;
      const staged = part.staged;
      await rename(staged, part.dest);
      part.staged = null;
      done.push(async () => rename(part.dest, staged).then(() => void (part.staged = staged)));
    }
  } catch (error: unknown) {
    for (const undo of done.reverse()) await undo();
    for (const part of parts) part.old = null;
    throw error;
  }
}
