import { BOTTLE_NAME_PATTERN, MAX_BOTTLE_NAME_CHARS, MAX_TASK_CHARS, TASK_TEXT_PATTERN } from '../../shared/agent-reports';
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
  /** The operator's name for it (`start --name`), unique among the root's bottles; null: none. */
  name: string | null;
  /** The task it was started with (`start --prompt`), passed to the agent at its first start only; null: none. */
  task: string | null;
}

export const DEFAULT_BOTTLE_OPTIONS: BottleOptions = { autonomous: false, name: null, task: null };

/** A task of MAX_TASK_CHARS characters, each up to 4 bytes in UTF-8 and escaped in JSON, fits. */
const MAX_OPTIONS_BYTES = 64 * 1024;

/** A value from the file only when it still holds to the rule it was written under; a hand-edited bad one reads as none. */
function validText(value: unknown, pattern: RegExp, maxChars: number): string | null {
  return typeof value === 'string' && value !== '' && value.length <= maxChars && pattern.test(value) ? value : null;
}

/**
 * The bottle's options; defaults when there is no file. Synchronous like the metadata read, for
 * the listing. A damaged file reads as the defaults: never autonomous by accident; an unreadable
 * one throws.
 */
export function readBottleOptions(identity: string): BottleOptions {
  const read = readSmallFileSync(bottlePaths(identity).options, MAX_OPTIONS_BYTES);
  // A file the host cannot read is an error: a resume must not quietly drop what the operator chose.
  if (read.kind === 'corrupt' && read.cause !== undefined && !isMissing(read.cause, LINK_IS_MISSING)) throw read.cause;
  // Missing (the usual case), a link (never followed), not a small file: the defaults.
  if (read.kind !== 'ok') return { ...DEFAULT_BOTTLE_OPTIONS };
  try {
    const parsed = JSON.parse(read.text) as Partial<Record<keyof BottleOptions, unknown>> | null;
    return {
      autonomous: parsed?.autonomous === true,
      name: validText(parsed?.name, BOTTLE_NAME_PATTERN, MAX_BOTTLE_NAME_CHARS),
      task: validText(parsed?.task, TASK_TEXT_PATTERN, MAX_TASK_CHARS),
    };
  } catch (error: unknown) {
    // Damaged JSON: the defaults, never autonomous by accident.
    if (error instanceof SyntaxError) return { ...DEFAULT_BOTTLE_OPTIONS };
    throw error;
  }
}

export async function writeBottleOptions(identity: string, options: BottleOptions): Promise<void> {
  if (!options.autonomous && options.name === null && options.task === null) return;
  await writeFileAtomic(bottlePaths(identity).options, `${JSON.stringify({ version: 1, ...options }, null, 2)}\n`);
}
