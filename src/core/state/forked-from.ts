import { link, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isCheckpointId } from '../../shared/checkpoints';
import { isValidIdentity, parseIdentity } from '../../shared/identity';
import { parseJson } from '../base/parse-json';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { readSmallFile } from '../fs/read-small-file';
import { bottlePaths, stateDir } from './state-paths';

/*
 * `forked-from.json` (issue 24): a fork's family, {"parent": identity, "checkpoint": id, "at": ISO},
 * our own file beside metadata.json (the Python CLI never reads it). Written once, when the fork is
 * made; a bottle that was never forked has none. It only labels the card (the family line) and
 * offers the parent to compare with; it decides nothing, so a damaged or hostile file reads as
 * "not a fork", never as an error.
 */

export const FORKED_FROM_FILE = 'forked-from.json';

/** Far more than the three short fields need: anything larger is not ours. */
const MAX_FORKED_FROM_BYTES = 4096;

const forkedFromSchema = z
  .object({
    parent: z.string().refine(isValidIdentity),
    checkpoint: z.string().refine(isCheckpointId),
    at: z
      .string()
      .max(64)
      .refine((value) => !Number.isNaN(Date.parse(value))),
  })
  .passthrough();

export interface ForkedFrom {
  parent: string;
  checkpoint: string;
  at: string;
}

/** The bottle's parent and the checkpoint it forked from; null when it is no fork or the file cannot be trusted. Never throws. */
export async function readForkedFrom(identity: string): Promise<ForkedFrom | null> {
  try {
    const read = await readSmallFile(join(stateDir(parseIdentity(identity)), FORKED_FROM_FILE), MAX_FORKED_FROM_BYTES);
    if (read.kind !== 'ok') return null;
    const parsed = forkedFromSchema.safeParse(parseJson(read.text));
    if (!parsed.success || parsed.data.parent === identity) return null;
    return { parent: parsed.data.parent, checkpoint: parsed.data.checkpoint, at: parsed.data.at };
  } catch (error: unknown) {
    // Only labels: whatever went wrong (an invalid identity, an unreadable folder) reads as no fork.
    void error;
    return null;
  }
}

/**
 * Writes the family once: the whole file is written aside and linked into place, so a reader sees
 * it whole or not at all, and a second write fails (EEXIST) instead of replacing the first.
 */
export async function writeForkedFrom(identity: string, family: ForkedFrom): Promise<void> {
  const path = bottlePaths(identity).forkedFrom;
  // A temp name: listings and watchers pass over it, and a crash leaves no half family behind.
  const aside = join(bottlePaths(identity).dir, `${TEMP_PREFIX}forked-from-once.json`);
  await writeFileAtomic(aside, `${JSON.stringify(family, null, 2)}\n`, 0o644);
  try {
    await link(aside, path);
  } finally {
    await rm(aside, { force: true });
  }
}
