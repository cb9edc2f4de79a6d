import { join } from 'node:path';
import { z } from 'zod';
import { isValidIdentity, parseIdentity } from '../../shared/identity';
import { isCheckpointId } from '../../shared/checkpoints';
import { parseJson } from '../base/parse-json';
import { readSmallFile } from '../fs/read-small-file';
import { stateDir } from './state-paths';

/*
 * A fork's own record of where it came from (issue 24): `<state>/<identity>/forked-from.json`,
 * written by `claude-bottle fork`. It only labels the card (the family line) and offers the parent
 * to compare with; it decides nothing, so a damaged or hostile file reads as "not a fork".
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
