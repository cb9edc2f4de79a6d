import { existsSync } from 'node:fs';
import { isContextName } from '../../shared/rules';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { BOTTLE_FILES, bottlePaths } from './state-paths';
import { parseJson } from '../base/parse-json';

/**
 * Which engine a bottle lives on: our own file beside metadata.json (never in it, which the Python
 * CLI reads). No file: the default engine, as for bottles the Python CLI made.
 */
const ENGINE_FILE = BOTTLE_FILES.engine;
const MAX_ENGINE_FILE_BYTES = 4096;

export type EngineRecord = { status: 'none' } | { status: 'ok'; context: string } | { status: 'corrupt'; reason: string };

export function parseEngineRecord(text: string): EngineRecord {
  if (text.length > MAX_ENGINE_FILE_BYTES) return { status: 'corrupt', reason: `${ENGINE_FILE} is too large` };
  // Not JSON (undefined) is reported below, as any other malformed record is.
  const value = parseJson(text) as { context?: unknown } | null | undefined;
  if (typeof value?.context === 'string' && isContextName(value.context)) return { status: 'ok', context: value.context };
  return { status: 'corrupt', reason: `${ENGINE_FILE} does not name a Docker context` };
}

/** The engine record of a bottle (synchronous: the listing reads thousands in a loop). */
export function readEngineRecord(identity: string): EngineRecord {
  const path = bottlePaths(identity).engine;
  // Most bottles (all on the default engine) have none: found out without a thrown error each.
  if (!existsSync(path)) return { status: 'none' };
  // Never through a link or into a FIFO, never more than the cap: the engine a bottle's commands go to.
  const read = readSmallFileSync(path, MAX_ENGINE_FILE_BYTES);
  if (read.kind === 'missing') return { status: 'none' };
  if (read.kind === 'corrupt') return { status: 'corrupt', reason: `${ENGINE_FILE} ${read.reason}` };
  return parseEngineRecord(read.text);
}

export async function writeEngineRecord(identity: string, context: string): Promise<void> {
  await writeFileAtomic(bottlePaths(identity).engine, `${JSON.stringify({ version: 1, context })}\n`);
}
