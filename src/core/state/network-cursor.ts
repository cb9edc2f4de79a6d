import { z } from 'zod';
import { parseJson } from '../base/parse-json';
import { settled } from '../base/settled';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFile } from '../fs/read-small-file';
import { networkCursorsPath } from './state-paths';

/*
 * How far the recorder core wrote each engine's gateway records (issue 19): per engine, the gateway
 * process's epoch and the last sequence number on the bottles' logs. Written (atomically) after the
 * records it covers and before the gateway is told to let them go, so a core that starts later asks
 * the gateway for exactly what is not on the record yet; a crash between a record and its cursor
 * means that record is written again, never that it is lost.
 */

export interface RecordPosition {
  epoch: string;
  seq: number;
}

const MAX_FILE_BYTES = 256 * 1024;
const MAX_ENGINES = 1000;
const positionSchema = z.strictObject({
  epoch: z.string().regex(/^[0-9a-f]{1,64}$/),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
const fileSchema = z.strictObject({
  version: z.literal(1),
  engines: z.record(z.string().min(1).max(200), positionSchema),
});

/** Every engine's position; none when there is no file. A damaged file is an error (the caller says so, and replays all). */
async function readAll(): Promise<Record<string, RecordPosition>> {
  const path = networkCursorsPath();
  const read = await readSmallFile(path, MAX_FILE_BYTES);
  if (read.kind === 'missing') return {};
  if (read.kind === 'corrupt') throw new Error(`${path} ${read.reason}`);
  const parsed = fileSchema.safeParse(parseJson(read.text));
  if (!parsed.success) throw new Error(`${path} is not a record of network cursors`);
  return parsed.data.engines;
}

/** The position written for an engine; null when none is. */
export async function readNetworkCursor(engine: string): Promise<RecordPosition | null> {
  return (await readAll())[engine] ?? null;
}

let writes: Promise<void> = Promise.resolve();

/** Sets an engine's position (the others kept as they are); one write at a time in this process. */
export function writeNetworkCursor(engine: string, position: RecordPosition): Promise<void> {
  const next = settled(writes).then(async () => {
    // A damaged file (reported by the read of the core that records) is replaced: it only ever
    // costs records written twice, never one lost.
    const engines = await readAll().catch((_damaged: unknown): Record<string, RecordPosition> => ({}));
    const kept = Object.entries({ ...engines, [engine]: position }).slice(-MAX_ENGINES);
    await writeFileAtomic(networkCursorsPath(), `${JSON.stringify({ version: 1, engines: Object.fromEntries(kept) })}\n`);
  });
  writes = next;
  return next;
}
