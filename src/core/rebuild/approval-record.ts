import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { parseJson } from '../base/parse-json';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { rebuildPaths } from '../state/state-paths';

/**
 * The steps of an approval, in order. Up to `snapshotted` nothing the old bottle runs from has
 * changed, so an interrupted approval is rolled back; from `committing` on, the new Dockerfile
 * and complete snapshots are (being) in place, so it is rolled forward.
 */
export const APPROVAL_STEPS = ['building', 'built', 'snapshotted', 'committing', 'committed'] as const;
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];

const approvalRecordSchema = z.object({
  version: z.literal(1),
  identity: z.string(),
  requestId: z.string(),
  step: z.enum(APPROVAL_STEPS),
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.string(),
  imageId: z.string().nullable(),
  reason: z.string(),
  /** What is built and committed: the agent's proposal, or the operator's edit of it (then in `edit`). */
  proposedDockerfile: z.string(),
  diff: z.string(),
  by: z.string(),
  edit: z.object({ proposed: z.string(), approved: z.string(), diff: z.string() }).optional(),
});

export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;

export async function readApprovalRecord(identity: string): Promise<ApprovalRecord | 'corrupt' | null> {
  // No approval under way; one the host cannot read is an error, never "nothing to recover".
  const text = await ifExists(readFile(rebuildPaths(identity).approval, 'utf8'));
  if (text === null) return null;
  const parsed = approvalRecordSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : 'corrupt';
}

/**
 * Creates the record only if none exists: written in full to a temp file, then hard-linked into
 * place (link fails atomically when the name is taken), so two processes never approve at once.
 * Returns false when another approval record is already there.
 */
export async function createApprovalRecord(record: ApprovalRecord): Promise<boolean> {
  const path = rebuildPaths(record.identity).approval;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path);
    return true;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

export async function updateApprovalRecord(record: ApprovalRecord): Promise<void> {
  await writeFileAtomic(rebuildPaths(record.identity).approval, `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeApprovalRecord(identity: string): Promise<void> {
  await rm(rebuildPaths(identity).approval, { force: true });
}

/**
 * Bottles this process is approving right now (its own records are live only while listed). Kept at
 * module level, not in a core: a record names the process (its pid), so a second core in the same
 * process must see the first one's approval as live, not settle it as interrupted; an entry is
 * deleted when its approval ends, so nothing outlives the work.
 */
const approvingHere = new Set<string>();

export function markApprovingHere(identity: string, approving: boolean): void {
  if (approving) approvingHere.add(identity);
  else approvingHere.delete(identity);
}

/** True when the process that wrote the record may still be working on it. */
export function isHeldByLiveProcess(record: ApprovalRecord): boolean {
  // Another host (a state folder moved or shared): nobody is working on it from here.
  if (record.host !== hostname()) return false;
  if (record.pid === process.pid) return approvingHere.has(record.identity);
  try {
    process.kill(record.pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: a process with that pid exists but is not ours to signal: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function newApprovalRecord(
  fields: Omit<ApprovalRecord, 'version' | 'step' | 'pid' | 'host' | 'startedAt' | 'imageId'>,
): ApprovalRecord {
  return {
    version: 1,
    step: 'building',
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    imageId: null,
    ...fields,
  };
}
