import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { bottlePaths } from './state-paths';
import { parseJson } from '../base/parse-json';

/** Exactly the five keys the Python CLI's BottleMetadata dataclass is built from. */
export interface BottleMetadata {
  identity: string;
  agent_name: string;
  cwd: string;
  copy_cwd: boolean;
  started_at: string;
}

export type MetadataReadResult = { status: 'ok'; metadata: BottleMetadata } | { status: 'missing' } | { status: 'corrupt'; reason: string };

export class CorruptBottleError extends Error {
  constructor(
    readonly identity: string,
    readonly reason: string,
  ) {
    super(`bottle ${identity} is corrupt: ${reason}`);
    this.name = 'CorruptBottleError';
  }
}

// Unknown extra keys are accepted on read (newer CLIs may add some) but never written back.
const metadataSchema = z.object({
  identity: z.string(),
  agent_name: z.string(),
  cwd: z.string(),
  copy_cwd: z.boolean(),
  started_at: z.string(),
});

/** A metadata file larger than this is not ours; refuse it rather than read it into memory. */
const MAX_METADATA_BYTES = 64 * 1024;

/** ISO-8601 with an explicit offset, the form Python's `datetime.isoformat()` writes. */
export function isoNow(date: Date = new Date()): string {
  return date.toISOString().replace('Z', '+00:00');
}

/** One bottle's metadata; a single small read, done with the same checks the listing uses. */
export async function readMetadataResult(identity: string): Promise<MetadataReadResult> {
  return readMetadataFileSync(identity, bottlePaths(identity).metadata);
}

/** Validates metadata.json's text: exactly the five typed keys, naming its own folder. */
export function parseMetadataText(identity: string, raw: string): MetadataReadResult {
  const parsed = parseJson(raw);
  if (parsed === undefined) return { status: 'corrupt', reason: 'metadata.json is not valid JSON' };
  const result = metadataSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'metadata';
    return { status: 'corrupt', reason: `metadata.json field "${field}": ${issue?.message ?? 'invalid'}` };
  }
  if (result.data.identity !== identity) {
    return { status: 'corrupt', reason: `metadata.json names identity "${result.data.identity}", not its folder` };
  }
  return { status: 'ok', metadata: pickMetadata(result.data) };
}

/**
 * Synchronous read of metadata.json: the listing of thousands of bottles does it in a tight loop,
 * where a promise per syscall would cost more than the I/O. Never follows a symlink (ELOOP), never
 * blocks on a FIFO, never reads more than the cap.
 */
export function readMetadataFileSync(identity: string, path: string): MetadataReadResult {
  const read = readSmallFileSync(path, MAX_METADATA_BYTES);
  if (read.kind === 'missing') return { status: 'missing' };
  if (read.kind === 'corrupt') return { status: 'corrupt', reason: `metadata.json ${read.reason}` };
  return parseMetadataText(identity, read.text);
}

/** Missing → null; corrupt → CorruptBottleError (for callers that act on one bottle). */
export async function readMetadata(identity: string): Promise<BottleMetadata | null> {
  const result = await readMetadataResult(identity);
  if (result.status === 'missing') return null;
  if (result.status === 'corrupt') throw new CorruptBottleError(identity, result.reason);
  return result.metadata;
}

function pickMetadata(data: BottleMetadata): BottleMetadata {
  return {
    identity: data.identity,
    agent_name: data.agent_name,
    cwd: data.cwd,
    copy_cwd: data.copy_cwd,
    started_at: data.started_at,
  };
}

/** Atomic UTF-8 JSON write of exactly the five keys; returns the file's path. */
export async function writeMetadata(metadata: BottleMetadata): Promise<string> {
  const path = bottlePaths(metadata.identity).metadata;
  await writeFileAtomic(path, `${JSON.stringify(pickMetadata(metadata), null, 2)}\n`);
  return path;
}
