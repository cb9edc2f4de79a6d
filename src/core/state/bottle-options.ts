import { writeFileAtomic } from '../fs/atomic-write';
import { isMissing, LINK_IS_MISSING } from '../fs/if-exists';
import { readSmallFileSync } from '../fs/read-small-file';
import { bottlePaths } from './state-paths';

/**
 * How the operator launched a bottle, kept for every later resume and rebuild: our own file beside
 * metadata.json (which keeps exactly the five keys the Python CLI reads). Written only when an
 * option differs from the default, so a plain bottle costs the listing nothing.
 */
export interface BottleOptions {
  /** Launched with the agent's autonomousArgs (e.g. --dangerously-skip-permissions). */
  autonomous: boolean;
}

export const DEFAULT_BOTTLE_OPTIONS: BottleOptions = { autonomous: false };

/**
 * The bottle's options; defaults when there is no file. Synchronous like the metadata read, for
 * the listing. A damaged file reads as the defaults: never autonomous by accident; an unreadable
 * one throws.
 */
export function readBottleOptions(identity: string): BottleOptions {
  const read = readSmallFileSync(bottlePaths(identity).options, 4096);
  // A file the host cannot read is an error: a resume must not quietly drop what the operator chose.
  if (read.kind === 'corrupt' && read.cause !== undefined && !isMissing(read.cause, LINK_IS_MISSING)) throw read.cause;
  // Missing (the usual case), a link (never followed), not a small file: the defaults.
  if (read.kind !== 'ok') return { ...DEFAULT_BOTTLE_OPTIONS };
  try {
    const parsed = JSON.parse(read.text) as Partial<BottleOptions> | null;
    return { autonomous: parsed?.autonomous === true };
  } catch (error: unknown) {
    // Damaged JSON: the defaults, never autonomous by accident.
    if (error instanceof SyntaxError) return { ...DEFAULT_BOTTLE_OPTIONS };
    throw error;
  }
}

export async function writeBottleOptions(identity: string, options: BottleOptions): Promise<void> {
  if (!options.autonomous) return;
  await writeFileAtomic(bottlePaths(identity).options, `${JSON.stringify({ version: 1, ...options }, null, 2)}\n`);
}
