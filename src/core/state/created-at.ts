import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { parseJson } from '../base/parse-json';
import { bottlePaths } from './state-paths';

/**
 * When a bottle was created, in its own file beside metadata.json: metadata.json keeps exactly the
 * Python CLI's five keys, and its `started_at` moves at every resume, so a list ordered by it would
 * jump a resumed or rebuilt bottle to the top. Written once, at create; never rewritten.
 */
export async function writeCreatedAt(identity: string, at: string): Promise<void> {
  await writeFileAtomic(bottlePaths(identity).created, `${JSON.stringify({ created_at: at })}\n`);
}

/** Far more than `{"created_at": "<ISO time>"}` takes: a bigger file is not ours. */
const MAX_CREATED_BYTES = 1024;

/**
 * The recorded creation time, or null (a bottle made before this file existed, or a file that is
 * not ours): the caller falls back to `started_at`. Sync, like the rest of the folder scan.
 */
export function readCreatedAtSync(identity: string): string | null {
  const read = readSmallFileSync(bottlePaths(identity).created, MAX_CREATED_BYTES);
  if (read.kind !== 'ok') return null;
  const parsed = parseJson(read.text);
  if (typeof parsed !== 'object' || parsed === null) return null;
  const at = (parsed as { created_at?: unknown }).created_at;
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : null;
}
