import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import createIgnore from '@balena/dockerignore';
import { writeFileAtomic } from '../fs/atomic-write';
import { errorCode, ifExists, isMissing, LINK_IS_MISSING } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { errorMessage } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { mapLimited } from '../state/state-listing';
import { baselineFileSchema, type Baseline, type BaselineEntry, type BaselineFailure } from './baseline-types';
import { BlobStore } from './blob-store';
import { changesPaths } from '../state/state-paths';
import { linkDigest, readHostFile } from './content-digest';
import { GitMissingError } from './git-cli';
import { repoFacts, type RepoFacts } from './git-repo';
import { walkFolder, type WalkEntry } from './host-walk';
import { describeNestedGit } from './nested-repos';
import { hostPathOf } from './relative-path';

export type { Baseline, BaselineEntry } from './baseline-types';

/** Start-of-run content is kept for files up to this size, and this much in all. */
const KEEP_FILE_MAX_BYTES = 256 * 1024;
const KEEP_TOTAL_MAX_BYTES = 32 * 1024 * 1024;
const MAX_DOCKERIGNORE_BYTES = 1024 * 1024;
const MAX_BASELINE_FILE_BYTES = 512 * 1024 * 1024;

/** The `.dockerignore` rules: what the copy into a bottle leaves out, and what its baseline skips. */
export function dockerignoreMatcher(text: string | null): ((path: string) => boolean) | undefined {
  if (text === null) return undefined;
  const matcher = createIgnore().add(text.split('\n'));
  return (path: string) => path !== '' && matcher.ignores(path);
}

async function readDockerignore(cwd: string): Promise<string | null> {
  try {
    return await readRegularFile(join(cwd, '.dockerignore'), MAX_DOCKERIGNORE_BYTES);
  } catch (error: unknown) {
    // No .dockerignore (the usual case), a link (ELOOP), or not a plain small file (readRegularFile's
    // own refusals carry no code): nothing is left out. One the host cannot read is an error.
    if (isMissing(error, LINK_IS_MISSING) || errorCode(error) === undefined) return null;
    throw error;
  }
}

/**
 * The project's `.dockerignore`, read and applied once for both the copy into a bottle and its
 * baseline, so a file the copy left out is never listed as one the agent deleted.
 */
export async function projectIgnore(cwd: string): Promise<((relativePath: string) => boolean) | undefined> {
  return dockerignoreMatcher(await readDockerignore(cwd));
}

/** Git's blob id for a clean tracked path whose index mode matches what is on disk. */
function cleanOid(repo: RepoFacts | null, entry: WalkEntry): string | null {
  if (repo === null || repo.dirty.has(entry.path)) return null;
  const indexed = repo.index.get(entry.path);
  if (indexed === undefined) return null;
  const linkMode = indexed.mode === '120000';
  return linkMode === (entry.kind === 'symlink') ? indexed.oid : null;
}

/**
 * What the agent starts from, cheaply:
 * - every file's size, mode and times (one lstat each), `.git` and .dockerignore'd paths left out;
 * - in a repository, HEAD, and git's blob id for every clean tracked file (read from the index);
 * - in mount mode (where the agent will overwrite the folder itself), a hash of every file git
 *   cannot give back, and a copy of the small ones, so a diff can show what was there;
 * - in copy mode the folder stays the operator's own: it is the start-of-run content for as long
 *   as a file is unchanged, so only files dirty in a repository (and ones modified in the very
 *   second of the walk) are hashed and kept.
 */
export async function takeBaseline(identity: string, cwd: string, copy: boolean): Promise<Baseline> {
  const takenAtMs = Date.now();
  const dockerignore = await readDockerignore(cwd);
  const [walk, repo] = await Promise.all([
    walkFolder(cwd, dockerignoreMatcher(dockerignore)),
    repoFacts(cwd).catch((error: unknown) => {
      // Without git on the host the folder is compared file by file, like any other.
      if (error instanceof GitMissingError) return null;
      throw error;
    }),
  ]);
  const blobs = new BlobStore(changesPaths(identity).blobs);
  let keptBytes = 0;
  const racySecond = Math.floor(takenAtMs / 1000);
  const entries: Record<string, BaselineEntry> = {};
  const list = [...walk.entries.values()];
  await mapLimited(list, 8, async (item) => {
    const racy = Math.floor(item.mtimeMs / 1000) >= racySecond;
    const entry: BaselineEntry = {
      kind: item.kind,
      size: item.size,
      mode: item.mode,
      mtimeMs: item.mtimeMs,
      ctimeMs: item.ctimeMs,
      ino: item.ino,
      oid: cleanOid(repo, item),
      sha256: null,
      target: item.target,
      racy,
      kept: false,
    };
    entries[item.path] = entry;
    if (item.kind === 'symlink') {
      const digest = linkDigest(item.target ?? '');
      entry.oid = digest.oid;
      entry.sha256 = digest.sha256;
      return;
    }
    const dirtyInRepo = repo !== null && entry.oid === null;
    const needHash = copy ? racy || dirtyInRepo : entry.oid === null || racy;
    if (!needHash) return;
    const keep = (!copy || dirtyInRepo) && item.size <= KEEP_FILE_MAX_BYTES && keptBytes + item.size <= KEEP_TOTAL_MAX_BYTES;
    if (keep) keptBytes += item.size;
    // A project file the operator's own user cannot read (one root left there) has no start-of-run
    // content to hash: it stays unknown, as the walk passes over unreadable folders, rather than
    // failing every launch in that project. Missing or a link now is null from readHostFile itself.
    const read = await readHostFile(hostPathOf(cwd, item.path), keep ? KEEP_FILE_MAX_BYTES : 0).catch((_error: unknown) => null);
    if (read === null) return;
    entry.oid = read.digest.oid;
    entry.sha256 = read.digest.sha256;
    if (keep && read.complete) {
      await blobs.put(read.digest.sha256, read.data);
      entry.kept = true;
    }
  });
  // Mount mode: the repositories inside the folder, to tell later which ones the agent added or rewrote.
  const gitlinks =
    repo === null
      ? {}
      : Object.fromEntries(
          [...repo.index].filter(([, indexed]) => indexed.mode === '160000').map(([path, indexed]) => [path, indexed.oid]),
        );
  const nested = copy
    ? {}
    : { gitlinks, nestedGit: await describeNestedGit(cwd, [...walk.gitEntries, ...Object.keys(gitlinks).map((path) => `${path}/.git`)]) };
  return {
    version: 1,
    identity,
    mode: copy ? 'copy' : 'mount',
    cwd,
    takenAt: new Date(takenAtMs).toISOString(),
    takenAtMs,
    dockerignore,
    git: repo === null ? null : { head: repo.head, branch: repo.branch },
    entries,
    prunedDirs: walk.prunedDirs,
    ...nested,
  };
}

/**
 * Records a new bottle's baseline unless it has one (a resume or a rebuild reuses the first).
 * Never fails the launch: when no baseline can be taken, the reason is recorded instead and every
 * surface says it.
 */
export async function recordBaseline(identity: string, cwd: string, copy: boolean): Promise<void> {
  const path = changesPaths(identity).baseline;
  if ((await ifExists(stat(path))) !== null) return;
  let content: Baseline | BaselineFailure;
  try {
    content = await takeBaseline(identity, cwd, copy);
  } catch (error: unknown) {
    content = { version: 1, identity, unavailable: `no baseline could be taken when the bottle started: ${errorMessage(error)}` };
  }
  await writeFileAtomic(path, JSON.stringify(content));
}

/** The bottle's baseline; a failure record when none could be taken; null when there is none. */
export async function readBaseline(identity: string): Promise<Baseline | BaselineFailure | null> {
  const path = changesPaths(identity).baseline;
  const info = await ifExists(stat(path));
  if (info === null) return null;
  if (!info.isFile() || info.size > MAX_BASELINE_FILE_BYTES)
    return { version: 1, identity, unavailable: 'the baseline file is not readable' };
  // Read apart from the parse: a file the host cannot read is an error for the caller, never
  // "corrupt"; text that is not JSON (undefined) is refused by the schema as corrupt.
  const parsed = baselineFileSchema.safeParse(parseJson(await readFile(path, 'utf8')));
  if (!parsed.success || parsed.data.identity !== identity) return { version: 1, identity, unavailable: 'the baseline file is corrupt' };
  return parsed.data as Baseline | BaselineFailure;
}
