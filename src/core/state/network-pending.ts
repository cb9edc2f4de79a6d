import { lstat } from 'node:fs/promises';
import { z } from 'zod';
import type { NetworkRequest } from '../../shared/network-policy';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { readSmallFile } from '../fs/read-small-file';
import { bottlePaths } from './state-paths';

/*
 * The connections a bottle's gateway holds for the operator, as the live core last heard them
 * (issue 19). The live core keeps them in memory and writes them here on every change, so every
 * view (the app's, `ls`/`show`/`net` in another process) shows the same list. A request older
 * than the gateway's hold has timed out there whatever this file says (a core that died before it
 * heard `settled`): it is left out when read.
 */

/** The most held requests kept per bottle (the gateway caps its held connections per bottle too). */
export const MAX_NETWORK_PENDING = 200;
/** Past this a request is stale: the gateway's hold (60 s) ended long before. */
const STALE_MS = 5 * 60 * 1000;
const MAX_FILE_BYTES = 256 * 1024;

const pendingSchema = z.object({
  id: z.string().min(1).max(64),
  identity: z.string().min(1).max(128),
  host: z.string().min(1).max(300),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['http', 'connect']),
  at: z.string().max(40),
});
const fileSchema = z.object({ version: z.literal(1), requests: z.array(pendingSchema).max(MAX_NETWORK_PENDING) });

/**
 * Writes the bottle's held requests (none: an empty list, so a stale one never lingers). A bottle
 * removed meanwhile gets no folder back for it: nothing is written then.
 */
export async function writeNetworkPending(identity: string, requests: readonly NetworkRequest[]): Promise<void> {
  if ((await ifExists(lstat(bottlePaths(identity).dir)))?.isDirectory() !== true) return;
  const kept = requests.slice(-MAX_NETWORK_PENDING);
  await writeFileAtomic(bottlePaths(identity).networkPending, `${JSON.stringify({ version: 1, requests: kept })}\n`);
}

/** The held requests still within the gateway's hold, oldest first; none when there is no file or it is not ours. */
export async function readNetworkPending(identity: string, now: number = Date.now()): Promise<NetworkRequest[]> {
  const read = await readSmallFile(bottlePaths(identity).networkPending, MAX_FILE_BYTES);
  if (read.kind === 'missing') return [];
  if (read.kind === 'corrupt') throw new Error(`${bottlePaths(identity).networkPending} ${read.reason}`);
  const parsed = fileSchema.safeParse(parseJson(read.text));
  if (!parsed.success) throw new Error(`${bottlePaths(identity).networkPending} is not a list of held requests`);
  return parsed.data.requests.filter((request) => request.identity === identity && now - Date.parse(request.at) < STALE_MS);
}
