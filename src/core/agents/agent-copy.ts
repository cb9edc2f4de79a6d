import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readlink, rename, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { hashBuildContext } from '../engine/image-build';
import { BottleError } from '../base/bottle-error';
import { agentCopiesDir } from '../state/state-paths';

/*
 * A project agent's folder is untrusted and can change at any moment (a mount-mode bottle writes
 * its own project). Read in place, agent.json, the trust hash and the build context were three
 * reads of a moving folder, and a swap between them ran what the operator never trusted. So an
 * operation copies the folder once, here, hashes the copy and uses nothing else: whatever the
 * folder does meanwhile, what is hashed is what is read, shown and built.
 *
 * Copies are content-addressed (`<root>/cache/agent-copies/<hash>`), private to the operator
 * (0700), and reused while the content is the same; one not used for a day is removed by the
 * next copy. A copy is never written after it gets its name, so a reused one holds its hash.
 */

/** Beyond these an agent folder is not a build context but a mistake or an attack. */
export const MAX_AGENT_FILES = 5000;
export const MAX_AGENT_BYTES = 100 * 1024 * 1024;
const MAX_DEPTH = 32;
const UNUSED_FOR_MS = 24 * 60 * 60 * 1000;
const CHUNK = 1024 * 1024;
/** What a walk meets when an entry is removed or replaced under it (readlink of a non-link: EINVAL). */
const VANISHED: ReadonlySet<string> = new Set(['ENOENT', 'ELOOP', 'ENOTDIR', 'EINVAL']);

class CopyBudget {
  files = 0;
  bytes = 0;
  constructor(readonly origin: string) {}

  count(files: number, bytes: number): void {
    this.files += files;
    this.bytes += bytes;
    if (this.files > MAX_AGENT_FILES || this.bytes > MAX_AGENT_BYTES) {
      throw new BottleError(
        'invalid-argument',
        `project agent folder ${this.origin} is too large for a build context (more than ${MAX_AGENT_FILES} files or ${MAX_AGENT_BYTES / 1024 / 1024} MB)`,
      );
    }
  }
}

function changedWhileCopied(origin: string, what: string): BottleError {
  return new BottleError('conflict', `project agent folder ${origin} changed while it was read (${what || '.'}); try again`);
}

const sameEntry = (a: Stats, b: Stats): boolean => a.dev === b.dev && a.ino === b.ino;

/**
 * Copies one regular file: never through a link (O_NOFOLLOW), counted as it is read. A file
 * replaced since lstat saw it is copied as it is now: the copy is hashed, so what was read is what
 * is checked; only something that is no longer a regular file stops the copy.
 */
async function copyFile(from: string, to: string, budget: CopyBudget, rel: string): Promise<void> {
  const source = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await source.stat();
    if (!info.isFile()) throw changedWhileCopied(budget.origin, rel);
    const target = await open(to, 'wx', 0o600);
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        budget.count(0, bytesRead);
        await target.write(buffer, 0, bytesRead);
      }
    } finally {
      await target.close();
    }
    // The mode the hash and the build see (the executable bit), always readable by us.
    await chmod(to, (info.mode & 0o777) | 0o600);
  } finally {
    await source.close();
  }
}

/**
 * Copies a folder entry by entry, each looked at with lstat: folders are walked, links copied as
 * links (never followed), regular files copied, anything else (FIFOs, sockets, devices) left out,
 * as the build context hash leaves them out.
 */
async function copyTree(origin: string, dest: string, rel: string, depth: number, budget: CopyBudget): Promise<void> {
  if (depth > MAX_DEPTH)
    throw new BottleError('invalid-argument', `project agent folder ${origin} is nested more than ${MAX_DEPTH} folders deep`);
  const from = rel === '' ? origin : join(origin, rel);
  const before = await lstat(from);
  if (!before.isDirectory()) throw changedWhileCopied(origin, rel);
  const names = (await readdir(from)).sort();
  // readdir goes by path: the folder it listed must still be the one lstat saw (not a link put in its place).
  if (!sameEntry(before, await lstat(from))) throw changedWhileCopied(origin, rel);
  budget.count(names.length, 0);
  for (const name of names) await copyEntry(origin, dest, rel === '' ? name : `${rel}/${name}`, depth, budget);
}

async function copyEntry(origin: string, dest: string, rel: string, depth: number, budget: CopyBudget): Promise<void> {
  const source = join(origin, rel);
  const target = join(dest, rel);
  const info = await lstat(source);
  if (info.isDirectory()) {
    await mkdir(target, { mode: 0o700 });
    await copyTree(origin, dest, rel, depth + 1, budget);
    // A build's COPY keeps a folder's mode: the image must see the folder's own (readable by us too).
    await chmod(target, (info.mode & 0o777) | 0o700);
  } else if (info.isSymbolicLink()) {
    await symlink(await readlink(source), target);
  } else if (info.isFile()) {
    await copyFile(source, target, budget, rel);
  }
}

/** Removes copies not used for a day, and staging folders a killed process left. */
async function pruneCopies(dir: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir)) {
    if (name === keep) continue;
    // Removed meanwhile (another process pruning too): nothing to prune.
    const info = await ifExists(lstat(join(dir, name)));
    if (info !== null && now - info.mtimeMs > UNUSED_FOR_MS) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * A private copy of an agent folder and the hash of that copy (hashBuildContext: the same hash
 * the folder itself has, so trust given and images built before stay valid). Everything an
 * operation reads of the agent (agent.json, the Dockerfile, the trust check, the review, the build
 * context) comes from `dir`.
 */
export async function privateAgentCopy(origin: string): Promise<{ dir: string; contextHash: string }> {
  const copies = agentCopiesDir();
  await mkdir(copies, { recursive: true, mode: 0o700 });
  const staging = join(copies, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  let contextHash: string;
  try {
    await copyTree(origin, staging, '', 0, new CopyBudget(origin));
    contextHash = await hashBuildContext(staging);
  } catch (error: unknown) {
    await rm(staging, { recursive: true, force: true });
    // Gone, or turned into a link or a file, between two looks at it: the folder is moving.
    if (VANISHED.has((error as NodeJS.ErrnoException).code ?? ''))
      throw changedWhileCopied(origin, (error as NodeJS.ErrnoException).path ?? '');
    throw error;
  }
  const dir = join(copies, contextHash);
  try {
    await rename(staging, dir);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    await rm(staging, { recursive: true, force: true });
    // Another operation made the same copy first: same hash, same content; use that one.
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
    const now = new Date();
    await utimes(dir, now, now);
  }
  await pruneCopies(copies, contextHash);
  return { dir, contextHash };
}
