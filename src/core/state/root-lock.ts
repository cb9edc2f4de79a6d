import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BottleError } from '../base/bottle-error';
import { errorCode } from '../fs/if-exists';
import { claudeBottleRoot, rootLockPath } from './state-paths';

/*
 * A lock shared by every process of one state root (the app, `serve`, each CLI command): a file
 * `<root>/<name>.lock` created exclusively, holding the owner's pid. The root is on this host, so a
 * pid that no longer runs means its owner died holding it: the file is then taken over. For what
 * the engine cannot make atomic across processes (two processes creating the gateway's egress
 * bridge at once make twins, and the gateway joined to a twin is refused everywhere after).
 */

const POLL_MS = 50;
const WAIT_MS = 120_000;
/** A lock file still without its owner's pid after this long was left by a writer that died. */
const UNWRITTEN_MS = 5000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: it runs, as someone else.
    return errorCode(error) === 'EPERM';
  }
}

/** Released meanwhile by its owner (or taken over by a waiter): that is the value; anything else is thrown. */
function ifGone<T>(error: unknown, value: T): T {
  if (errorCode(error) !== 'ENOENT') throw error;
  return value;
}

async function tryTake(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error: unknown) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  const owner = Number((await readFile(path, 'utf8').catch((error: unknown) => ifGone(error, ''))).trim());
  const named = Number.isInteger(owner) && owner > 0;
  // A dead owner's is taken over. One without a pid is being written, unless it has been for
  // seconds: its writer died between creating and writing it.
  const stale = named
    ? !alive(owner)
    : Date.now() - ((await stat(path).catch((error: unknown) => ifGone(error, null)))?.mtimeMs ?? Date.now()) > UNWRITTEN_MS;
  if (stale) await unlink(path).catch((error: unknown) => ifGone(error, undefined));
  return false;
}

/** Runs `work` while holding `<root>/<name>.lock`; waits for another process that holds it. */
export async function withRootLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  await mkdir(claudeBottleRoot(), { recursive: true, mode: 0o700 });
  return withLockFile(rootLockPath(name), work);
}

/**
 * Runs `work` while holding the lock file `path` (same rules as the root's locks; its folder must
 * exist, on this host). For a lock that belongs beside what it guards, e.g. a credential set's.
 */
export async function withLockFile<T>(path: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await tryTake(path))) {
    if (Date.now() > deadline)
      throw new BottleError('conflict', `${path} is held by another claude-bottle process for over ${WAIT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch((error: unknown) => ifGone(error, undefined));
  }
}

export interface RootLockHold {
  release(): Promise<void>;
}

/**
 * Takes `<root>/<name>.lock` and keeps it until released, when no running process holds it; null
 * when one does (asked again later, it is taken once that process has ended). For a role one
 * process of the root plays at a time, however many run.
 */
export async function tryHoldRootLock(name: string): Promise<RootLockHold | null> {
  await mkdir(claudeBottleRoot(), { recursive: true, mode: 0o700 });
  const path = rootLockPath(name);
  if (!(await tryTake(path))) return null;
  return { release: () => unlink(path).catch((error: unknown) => ifGone(error, undefined)) };
}
