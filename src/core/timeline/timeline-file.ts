import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { TimelineEvent } from '../../shared/timeline';
import { BottleError } from '../base/bottle-error';
import { timelineJsonLines, timelineOcsf } from './timeline-export';

export interface TimelineFileOptions {
  /** The request decisions as OCSF events instead of every event as JSON Lines. */
  ocsf: boolean;
  /** Replace a file already there; without it, an existing file is refused and left as it was. */
  force: boolean;
  /** Our version, for OCSF's metadata.product. */
  version: string;
}

/**
 * Writes a bottle's timeline export to `path` (created 0600: it names what the operator decided).
 * Without `force` the file is created exclusively, so an existing one is never touched. With it,
 * only a regular file is replaced: a symlink there is refused, never followed (an agent that
 * writes the project folder could have planted one to ~/.bashrc, and the export holds text it
 * chose), and so is a FIFO, which would hold the write forever. Returns how many events it holds.
 */
export async function writeTimelineFile(
  identity: string,
  events: readonly TimelineEvent[],
  path: string,
  options: TimelineFileOptions,
): Promise<number> {
  const text = options.ocsf ? timelineOcsf(identity, events, options.version) : timelineJsonLines(events);
  const handle = options.force ? await openToReplace(path) : await openNew(path);
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return text === '' ? 0 : text.split('\n').length - 1;
}

async function openNew(path: string): Promise<FileHandle> {
  try {
    // O_EXCL: nothing already there is opened, a symlink (even a dangling one) included.
    return await open(path, 'wx', 0o600);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BottleError('conflict', `${path} exists: give another file, or --force to replace it`);
    throw error;
  }
}

/** A new file, or a regular file already there, opened for writing and emptied; never through a link, never a FIFO. */
async function openToReplace(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // No O_TRUNC: what is there is checked before anything of it is changed.
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new BottleError('conflict', `${path} is a symbolic link: not followed; give another file`);
    // A FIFO no one reads (O_NONBLOCK): refused rather than waited on.
    if (code === 'ENXIO') throw new BottleError('conflict', `${path} is not a regular file: give another file`);
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new BottleError('conflict', `${path} is not a regular file: give another file`);
    await handle.truncate(0);
    return handle;
  } catch (error: unknown) {
    await handle.close();
    throw error;
  }
}
