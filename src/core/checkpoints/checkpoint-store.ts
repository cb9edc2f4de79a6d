import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CHECKPOINT_ID_PATTERN, isCheckpointId, MAX_CHECKPOINT_NAME_CHARS, type CheckpointView } from '../../shared/checkpoints';
import { BottleError } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { readSmallFile } from '../fs/read-small-file';
import { bottlePaths } from '../state/state-paths';

/*
 * A bottle's checkpoints on disk (issue 24): `<state>/<identity>/checkpoints/<id>/`, each holding
 * `manifest.json` and what it saved (workspace/, transcript/, Dockerfile). A new sub-folder of the
 * bottle's state folder, which the Python CLI never reads. A checkpoint is made in a staging folder
 * (`.tmp-checkpoint-<pid>-…`) and renamed into place whole, manifest last inside it: a checkpoint
 * whose taking was killed is never listed, and its staging folder is swept by the next one.
 */

/** The names inside one checkpoint's folder. */
export const CHECKPOINT_FILES = {
  manifest: 'manifest.json',
  workspace: 'workspace',
  transcript: 'transcript',
  dockerfile: 'Dockerfile',
} as const;

const STAGING_PREFIX = `${TEMP_PREFIX}checkpoint-`;
// A mount-mode checkpoint lists its deleted paths in its manifest: room for many thousands.
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

const manifestSchema = z
  .object({
    version: z.literal(1),
    id: z.string().regex(CHECKPOINT_ID_PATTERN),
    identity: z.string(),
    name: z
      .string()
      .max(MAX_CHECKPOINT_NAME_CHARS * 2)
      .nullable(),
    at: z.string(),
    source: z.enum(['running', 'exited', 'stopped']),
    pausedMs: z.number().nonnegative().nullable(),
    image: z.object({ reference: z.string().nullable(), id: z.string().nullable() }),
    dockerfile: z.enum(['own', 'agent']).nullable(),
    saved: z.object({ workspace: z.boolean(), transcript: z.boolean(), dockerfile: z.boolean() }),
    sizes: z.object({ workspace: z.number(), transcript: z.number(), total: z.number() }),
    git: z
      .object({
        head: z.string().nullable(),
        branch: z.string().nullable(),
        status: z.array(z.string()),
        statusTruncated: z.boolean(),
      })
      .nullable(),
    mode: z.literal('mount').optional(),
    deleted: z.array(z.string()).optional(),
  })
  .strict();

export function checkpointsDir(identity: string): string {
  return bottlePaths(identity).checkpoints;
}

/** A checkpoint's folder; the id is checked here, so no path is built from junk. */
export function checkpointDir(identity: string, id: string): string {
  if (!isCheckpointId(id)) throw new BottleError('invalid-argument', `invalid checkpoint id ${JSON.stringify(id.slice(0, 80))}`);
  return join(checkpointsDir(identity), id);
}

/** A fresh id: the UTC time to the second, then 5 random base36 characters. */
export function newCheckpointId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  let suffix = '';
  for (const byte of randomBytes(5)) suffix += (byte % 36).toString(36);
  return `${stamp}-${suffix}`;
}

/** One checkpoint's manifest; null when its folder holds none that is ours (never a crash). */
export async function readManifest(identity: string, id: string): Promise<CheckpointView | null> {
  const read = await readSmallFile(join(checkpointDir(identity, id), CHECKPOINT_FILES.manifest), MAX_MANIFEST_BYTES);
  if (read.kind !== 'ok') return null;
  const parsed = manifestSchema.safeParse(parseJson(read.text));
  if (!parsed.success || parsed.data.id !== id || parsed.data.identity !== identity) return null;
  return parsed.data;
}

/** Every whole checkpoint of the bottle, oldest first; staging folders and strangers are left out. */
export async function listCheckpoints(identity: string): Promise<CheckpointView[]> {
  const names = await orIfMissing(readdir(checkpointsDir(identity)), [] as string[]);
  const views: CheckpointView[] = [];
  for (const name of names.filter(isCheckpointId).sort()) {
    const view = await readManifest(identity, name);
    if (view !== null) views.push(view);
  }
  return views.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/**
 * A staging folder for a new checkpoint, named with this process's id (so a sweep knows whose it
 * is). `killedMidway`: a checkpoint of a process that is gone was swept, so that process may have
 * left the container paused.
 */
export async function makeStaging(identity: string): Promise<{ staging: string; killedMidway: boolean }> {
  const dir = checkpointsDir(identity);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const killedMidway = await sweepStaging(identity);
  const staging = join(dir, `${STAGING_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  return { staging, killedMidway };
}

/** Writes the manifest into the staging folder, then renames the folder into place: it appears whole. */
export async function commitStaging(identity: string, staging: string, view: CheckpointView): Promise<void> {
  await writeFileAtomic(join(staging, CHECKPOINT_FILES.manifest), `${JSON.stringify(view, null, 2)}\n`);
  await rename(staging, checkpointDir(identity, view.id));
}

/** Removes staging folders left by a process that is gone (killed mid-checkpoint); true when one was a checkpoint's. */
async function sweepStaging(identity: string): Promise<boolean> {
  const dir = checkpointsDir(identity);
  let killedMidway = false;
  for (const name of await orIfMissing(readdir(dir), [] as string[])) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(name.slice(STAGING_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
    // A drop's leftover (`drop-…`) names no process: only a checkpoint's could have paused the container.
    if (Number.isInteger(pid) && pid > 0) killedMidway = true;
    await rm(join(dir, name), { recursive: true, force: true });
  }
  return killedMidway;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: it exists, under another user; only "no such process" frees its folder.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops one checkpoint: renamed out of the listing first, so a drop cut short never leaves half of one listed. */
export async function dropCheckpoint(identity: string, id: string): Promise<void> {
  const dir = checkpointDir(identity, id);
  if ((await ifExists(lstat(dir))) === null) throw new BottleError('not-found', `bottle ${identity} has no checkpoint ${id}`);
  const doomed = join(checkpointsDir(identity), `${STAGING_PREFIX}drop-${randomBytes(6).toString('hex')}`);
  await rename(dir, doomed);
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Bytes under a folder, files and links at their apparent size (as the state folder's size counts
 * them, state-size.ts); 0 when missing. The checkpoint's own copy, which nothing else writes.
 */
export async function folderBytes(path: string): Promise<number> {
  const info = await ifExists(lstat(path));
  if (info === null) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path)) total += await folderBytes(join(path, name));
  return total;
}
