import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BottleError } from '../base/bottle-error';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { claudeBottleRoot, instanceIdPath } from './state-paths';

const INSTANCE_ID = /^[0-9a-f]{32}$/;

/**
 * One read per root and process: the id never changes once written, and events ask for it often.
 * Kept at module level: it is the root's, not a core's or a bottle's (one entry per state root).
 */
const known = new Map<string, string>();

/**
 * The stable id of this state root, labelled on every container it makes. A random id kept in a
 * file under the root rather than a hash of the root's path: the file travels with the root (a
 * moved or renamed root, or one reached by another path, keeps its bottles), and two machines whose
 * roots have the same path (both `/root/.claude-bottle`) on one remote engine still differ.
 *
 * Created once, race-safe: each process writes a whole candidate under a temp name and hard-links
 * it to the final name, which fails when the file exists; everyone then reads the one that won.
 * A reader never sees a half-written file.
 */
export function instanceId(): string {
  const root = claudeBottleRoot();
  const cached = known.get(root);
  if (cached !== undefined) return cached;
  const path = instanceIdPath();
  let id = readInstanceId(path);
  if (id === null) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    publishCandidate(root, path);
    id = readInstanceId(path);
    if (id === null) throw new BottleError('internal', `${path} vanished while it was being created`);
  }
  known.set(root, id);
  return id;
}

/** The id in the file; null when there is none yet. Anything but an id is refused, never replaced. */
function readInstanceId(path: string): string | null {
  const read = readSmallFileSync(path, 1024);
  if (read.kind === 'missing') return null;
  // A link or a file the host cannot read fails as the file system said; anything else that is no
  // small file is refused below like any text that is not an id.
  if (read.kind === 'corrupt' && read.cause !== undefined) throw read.cause;
  const id = read.kind === 'ok' ? read.text.trim() : '';
  // Replacing it would disown every bottle this root made: the operator decides (remove the file).
  if (!INSTANCE_ID.test(id))
    throw new BottleError(
      'corrupt',
      `${path} does not hold an instance id (32 hex digits); remove it to mint a new one (this root's running bottles would then look like another instance's)`,
    );
  return id;
}

function publishCandidate(root: string, path: string): void {
  const temp = join(root, `${TEMP_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(16).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (error: unknown) {
    // EEXIST: another process won the race; its id is the one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
}
