import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { HostConfigSpec } from '../agents/agent-options';
import { ifExists, LINK_IS_MISSING } from '../fs/if-exists';

/*
 * The operator's own agent setup (for Claude Code: ~/.claude's CLAUDE.md, settings.json, agents/,
 * commands/, skills/), copied (never mounted) into a new bottle's config folder. Only what the
 * agent names, never a login, history or another project's conversations, never through a link
 * that leads out of the folder, and within size caps: the bottle gets a copy, nothing more.
 */

/** Never copied, whatever an agent.json lists: logins, history, other projects' conversations. */
const NEVER_COPIED: ReadonlySet<string> = new Set([
  '.credentials.json',
  'credentials.json',
  'history.jsonl',
  'projects',
  'todos',
  '.claude.json',
]);
export const HOST_CONFIG_LIMITS = { fileBytes: 1024 * 1024, totalBytes: 16 * 1024 * 1024, files: 2000, depth: 12 };

export interface HostConfigFile {
  /** Relative to the config folder, with `/`. */
  path: string;
  content: Buffer;
  executable: boolean;
}

export interface HostConfigCopy {
  /** Folders (parents first) and files to put into the config folder. */
  dirs: string[];
  files: HostConfigFile[];
  /** Files to append to the image's own copy of the same name. */
  appends: { name: string; content: Buffer }[];
  /** What was copied, for the progress line ("CLAUDE.md, agents/ (3 files)"). */
  copied: string[];
  /** What was left out and why, one line each. */
  skipped: string[];
}

interface Walk {
  root: string;
  shownRoot: string;
  result: HostConfigCopy;
  totalBytes: number;
  visited: Set<string>;
}

/** The real path of `path` when it stays inside the root; null (and a note) when it leads out. */
async function insideRoot(walk: Walk, path: string): Promise<string | null> {
  // A link to nothing, or one that loops: broken. A link the host cannot follow (permissions, I/O)
  // is an error for the launch to report, never a file quietly left out.
  const real = await ifExists(realpath(path), LINK_IS_MISSING);
  if (real === null) {
    walk.result.skipped.push(`${shown(walk, path)}: a broken link`);
    return null;
  }
  if (isInside(walk.root, real)) return real;
  walk.result.skipped.push(`${shown(walk, path)}: a link out of ${walk.shownRoot}`);
  return null;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function shown(walk: Walk, path: string): string {
  return isInside(walk.root, path) ? `${walk.shownRoot}/${relative(walk.root, path).split(sep).join('/')}` : path;
}

async function readCapped(walk: Walk, path: string, size: number): Promise<Buffer | null> {
  if (size > HOST_CONFIG_LIMITS.fileBytes) {
    walk.result.skipped.push(`${shown(walk, path)}: larger than ${HOST_CONFIG_LIMITS.fileBytes / 1024 / 1024} MiB`);
    return null;
  }
  if (walk.totalBytes + size > HOST_CONFIG_LIMITS.totalBytes || walk.result.files.length >= HOST_CONFIG_LIMITS.files) {
    walk.result.skipped.push(
      `${shown(walk, path)}: over the copy limit (${HOST_CONFIG_LIMITS.totalBytes / 1024 / 1024} MiB, ${HOST_CONFIG_LIMITS.files} files)`,
    );
    return null;
  }
  walk.totalBytes += size;
  return readFile(path);
}

/** Copies one file or folder (the link at `path` already resolved to `real` inside the root). */
async function copyEntry(walk: Walk, path: string, target: string, depth: number): Promise<number> {
  const linkInfo = await lstat(path);
  const real = linkInfo.isSymbolicLink() ? await insideRoot(walk, path) : path;
  if (real === null) return 0;
  const info = await stat(real);
  if (info.isFile()) {
    const content = await readCapped(walk, path, info.size);
    if (content === null) return 0;
    walk.result.files.push({ path: target, content, executable: (info.mode & 0o111) !== 0 });
    return 1;
  }
  if (!info.isDirectory()) {
    walk.result.skipped.push(`${shown(walk, path)}: not a regular file or folder`);
    return 0;
  }
  const realDir = await realpath(real);
  if (depth >= HOST_CONFIG_LIMITS.depth || walk.visited.has(realDir)) {
    walk.result.skipped.push(
      `${shown(walk, path)}: ${depth >= HOST_CONFIG_LIMITS.depth ? 'nested too deep' : 'a folder seen already (a link loop)'}`,
    );
    return 0;
  }
  walk.visited.add(realDir);
  walk.result.dirs.push(target);
  let count = 0;
  for (const name of (await readdir(real)).sort()) count += await copyEntry(walk, join(real, name), `${target}/${name}`, depth + 1);
  return count;
}

/**
 * Reads what `spec` names from the operator's home (`home` is for tests; the real one otherwise).
 * A missing folder or file is simply not copied. `secretFiles` are never copied either.
 */
export async function collectHostConfig(spec: HostConfigSpec, secretFiles: string[], home: string = homedir()): Promise<HostConfigCopy> {
  const result: HostConfigCopy = { dirs: [], files: [], appends: [], copied: [], skipped: [] };
  const shownRoot = `~/${spec.from}`;
  const root = await ifExists(realpath(join(home, spec.from)));
  if (root === null || !(await stat(root)).isDirectory()) return result;
  const walk: Walk = { root, shownRoot, result, totalBytes: 0, visited: new Set([root]) };
  const never = new Set([...NEVER_COPIED, ...secretFiles]);
  for (const name of spec.copy) {
    if (never.has(name)) {
      result.skipped.push(`${shownRoot}/${name}: never copied (a login, history or other projects)`);
      continue;
    }
    const path = join(root, name);
    if ((await ifExists(lstat(path))) === null) continue;
    const before = result.dirs.length;
    const count = await copyEntry(walk, path, name, 0);
    if (result.dirs.length > before) result.copied.push(`${name}/ (${count} file${count === 1 ? '' : 's'})`);
    else if (count > 0) result.copied.push(name);
  }
  for (const name of spec.append) {
    if (never.has(name)) continue;
    const path = join(root, name);
    const linkInfo = await ifExists(lstat(path));
    if (linkInfo === null) continue;
    const real = linkInfo.isSymbolicLink() ? await insideRoot(walk, path) : path;
    if (real === null) continue;
    const info = await stat(real);
    if (!info.isFile()) continue;
    const content = await readCapped(walk, path, info.size);
    if (content === null) continue;
    result.appends.push({ name, content });
    result.copied.push(name);
  }
  return result;
}

/** The image's own file, then the operator's, marked so the agent knows whose is whose. */
export function appendHostFile(own: Buffer | null, name: string, from: string, host: Buffer): Buffer {
  const heading = `# The operator's own ${name} (copied from ~/${from}/${name} on their machine)\n\n`;
  if (own === null || own.length === 0) return Buffer.concat([Buffer.from(heading), host]);
  const separator = own.toString('utf8').endsWith('\n') ? '\n' : '\n\n';
  return Buffer.concat([own, Buffer.from(separator + heading), host]);
}
