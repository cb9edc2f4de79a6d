import { open } from 'node:fs/promises';
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
 * Without `force` the file is created exclusively, so an existing one is never touched. Returns
 * how many events it holds.
 */
export async function writeTimelineFile(
  identity: string,
  events: readonly TimelineEvent[],
  path: string,
  options: TimelineFileOptions,
): Promise<number> {
  const text = options.ocsf ? timelineOcsf(identity, events, options.version) : timelineJsonLines(events);
  let handle;
  try {
    handle = await open(path, options.force ? 'w' : 'wx', 0o600);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BottleError('conflict', `${path} exists: give another file, or --force to replace it`);
    throw error;
  }
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return text === '' ? 0 : text.split('\n').length - 1;
}
