import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isSameOrInside, systemFolderProblem } from '../../shared/rules';
import { engineFacts } from '../engine/engine-facts';
import type { CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import { ifExists, isMissing, orIfMissing } from '../fs/if-exists';
import { claudeBottleRoot } from '../state/state-paths';

/** Symlinks resolved; a path that does not exist (yet) is taken as written. */
async function resolved(path: string): Promise<string> {
  return orIfMissing(realpath(path), path);
}

/** Where Docker engines put their sockets, besides the one we are connected to. */
function knownSocketPaths(ctx: CoreDeps): string[] {
  const home = homedir();
  const uid = process.getuid?.();
  const sockets = [
    '/var/run/docker.sock',
    '/run/docker.sock',
    join(home, '.docker', 'run', 'docker.sock'),
    join(home, '.docker', 'desktop', 'docker.sock'),
  ];
  sockets.push(
    join(home, '.colima', 'default', 'docker.sock'),
    join(home, '.rd', 'docker.sock'),
    join(home, '.orbstack', 'run', 'docker.sock'),
  );
  if (process.env.XDG_RUNTIME_DIR) sockets.push(join(process.env.XDG_RUNTIME_DIR, 'docker.sock'));
  if (uid !== undefined) sockets.push(`/run/user/${uid}/docker.sock`);
  const host = ctx.connection.endpoint.host;
  if (host.startsWith('unix://')) sockets.unshift(host.slice('unix://'.length));
  return sockets;
}

/** Why this (resolved) folder may not be a project, or null when it may. */
async function folderProblem(ctx: CoreDeps, real: string): Promise<string | null> {
  const lexical = systemFolderProblem(real);
  if (lexical !== null) return lexical;
  const home = await resolved(homedir());
  if (real === home) return 'it is your home folder itself (choose a project folder inside it)';
  if (isSameOrInside(home, real)) return `it contains your home folder ${home}`;
  const root = await resolved(claudeBottleRoot());
  if (isSameOrInside(root, real)) return `it contains the claude-bottle state folder ${root}, which a bottle must never reach`;
  if (isSameOrInside(real, root)) return `it is inside the claude-bottle state folder ${root}`;
  for (const socket of knownSocketPaths(ctx)) {
    // Not there, or in a folder the operator cannot enter (another user's runtime folder): no
    // project of theirs reaches it through that path. Other errors fail the check, never pass it.
    const info = await ifExists(stat(socket), ['EACCES']);
    if (info === null) continue;
    const realSocket = await resolved(socket);
    if (isSameOrInside(realSocket, real)) return `it contains the Docker engine's socket ${realSocket} (root on this host)`;
  }
  // The engine's data folder holds every container's files; best effort (only a local path means
  // anything). Every failure is meant: a start or resume asks the engine for the same facts again
  // (launch-facts) and fails there, so no bottle starts on a skipped check; an agent's review or
  // trust, the other callers, starts nothing.
  const dataRoot = await engineFacts(ctx.docker).then(
    (facts) => facts.dockerRootDir,
    (_error: unknown) => null,
  );
  if (dataRoot !== null && isAbsolute(dataRoot)) {
    const realRoot = await resolved(dataRoot);
    if (isSameOrInside(realRoot, real) || isSameOrInside(real, realRoot)) return `it overlaps the Docker engine's data folder ${realRoot}`;
  }
  return null;
}

/**
 * The one rule on project folders (DESIGN.md §3), for start and resume alike, whatever front end
 * asked: the folder must exist, and after resolving symlinks it must not be `/`, a system tree, a
 * shared root, the operator's home (or hold it), hold or lie in the state root, or hold the
 * engine's socket. Returns the resolved path, which is what the bottle then uses.
 */
export async function checkProjectFolder(ctx: CoreDeps, path: string, what = 'project folder'): Promise<string> {
  if (!isAbsolute(path)) throw new BottleError('invalid-argument', `${what} must be an absolute path: ${path}`);
  let real: string;
  try {
    real = await realpath(path);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (isMissing(error)) throw new BottleError('not-found', `${what} does not exist: ${path}`);
    throw new BottleError('invalid-argument', `${what} cannot be read: ${path} (${code ?? 'error'})`);
  }
  const info = await stat(real);
  if (!info.isDirectory()) throw new BottleError('invalid-argument', `${what} is not a folder: ${path}`);
  const problem = await folderProblem(ctx, real);
  if (problem !== null) {
    const shown = real === path ? path : `${path} (${real})`;
    throw new BottleError('forbidden', `refusing ${what} ${shown}: ${problem}`);
  }
  return real;
}
