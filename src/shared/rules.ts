/**
 * The rules for values that arrive from outside (IPC, the CLI, a URL, an inbox file), as plain
 * functions: the renderer checks with these, and validation.ts builds the zod schemas the main
 * side and the core check with from the very same functions, so every surface agrees.
 */

/** Request ids and inbox file stems: a plain file name, never a path, never hidden. */
export const SAFE_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
export const MAX_NAME_CHARS = 128;

export function isSafeName(value: string): boolean {
  return value.length <= MAX_NAME_CHARS && SAFE_NAME_PATTERN.test(value) && !value.startsWith('.');
}

/** Agent folder names: a folder name under an agents folder. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_AGENT_NAME_CHARS = 128;

/**
 * A project's own agent is always named with this prefix (`project:NAME`), so a repository can
 * never stand in for a user or shipped agent of the same name (DESIGN.md §4).
 */
export const PROJECT_AGENT_PREFIX = 'project:';

/** A plain agent name: the folder name of a user or shipped agent. */
export function isPlainAgentName(value: string): boolean {
  return value.length <= MAX_AGENT_NAME_CHARS && AGENT_NAME_PATTERN.test(value);
}

/** The folder name of a `project:NAME` agent, or null when the name is not one. */
export function projectAgentFolder(value: string): string | null {
  if (!value.startsWith(PROJECT_AGENT_PREFIX)) return null;
  const folder = value.slice(PROJECT_AGENT_PREFIX.length);
  return isPlainAgentName(folder) ? folder : null;
}

/** What `start` accepts: a plain agent name, or `project:NAME` for the project's own agent. */
export function isAgentName(value: string): boolean {
  return isPlainAgentName(value) || projectAgentFolder(value) !== null;
}

/** Docker context names, as the docker CLI allows them. */
export const CONTEXT_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/;

export function isContextName(value: string): boolean {
  return value.length <= 128 && CONTEXT_NAME_PATTERN.test(value);
}

export const MAX_PATH_CHARS = 4096;

/** A host path the operator gave: absolute (POSIX, or a Windows drive path), no NUL, bounded. */
export function isAbsolutePath(path: string): boolean {
  return path.length > 0 && path.length <= MAX_PATH_CHARS && !path.includes('\0') && (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path));
}

export const MAX_REJECT_MESSAGE_CHARS = 2000;
/** An operator-edited Dockerfile (Approve with edits): the same cap as an agent's whole request. */
export const MAX_EDITED_DOCKERFILE_BYTES = 64 * 1024;

/** Why an edited Dockerfile cannot be built, or null when it can (empty, too large, NUL). */
export function editedDockerfileProblem(text: string): string | null {
  if (text.trim() === '') return 'the edited Dockerfile is empty';
  if (new TextEncoder().encode(text).length > MAX_EDITED_DOCKERFILE_BYTES) {
    return `the edited Dockerfile is larger than ${MAX_EDITED_DOCKERFILE_BYTES} bytes`;
  }
  if (text.includes('\u0000')) return 'the edited Dockerfile contains a NUL character';
  return null;
}
export const MAX_TERMINAL_INPUT_CHARS = 64 * 1024;

/** Log lines a window may ask for at once: the tail of a huge log, never all of it. */
export const MAX_LOG_TAIL_LINES = 100_000;
/** Bottles a window asks for to paint its first screen before the whole list arrives. */
export const MAX_FIRST_SCREEN = 1000;
/** Bottles in one bulk action or one stats watch. */
export const MAX_BOTTLES_PER_CALL = 5000;

/*
 * Project folders the host's own trees: a bottle's agent gets its project folder (written in
 * place, or copied), so these are refused however the folder was chosen. Lexical: the core resolves
 * symlinks first and adds what only it can know (home, state root, engine socket).
 */
const SYSTEM_TREES = [
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/run',
  '/bin',
  '/sbin',
  '/usr',
  '/System',
  '/Library',
  '/private/etc',
  '/private/var/run',
];
const SHARED_ROOTS = [
  '/home',
  '/var',
  '/opt',
  '/srv',
  '/mnt',
  '/media',
  '/tmp',
  '/Users',
  '/Volumes',
  '/private',
  '/private/tmp',
  '/private/var',
  '/root',
];

/** A POSIX path with `.`, `..`, repeated and trailing slashes resolved lexically. */
export function normalizePosixPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** True when `inner` is `outer` or lies below it (both normalized absolute paths). */
export function isSameOrInside(inner: string, outer: string): boolean {
  return outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
}

/**
 * Why a project folder is refused by path alone, or null: `/`, a system tree or anything inside
 * one, or a shared root itself (its subfolders are fine). Windows drive paths: the drive root and
 * the system folders.
 */
export function systemFolderProblem(path: string): string | null {
  const windows = /^([A-Za-z]):[\\/]?(.*)$/.exec(path);
  if (windows !== null) {
    const rest = (windows[2] ?? '').replace(/[\\/]+$/, '').toLowerCase();
    if (rest === '') return 'it is the root of a drive';
    if (/^(windows|program files( \(x86\))?|programdata)([\\/]|$)/.test(rest)) return 'it is a system folder';
    if (rest === 'users') return "it holds every user's home folder";
    return null;
  }
  const normal = normalizePosixPath(path);
  if (normal === '/') return "it is the root of the host's filesystem";
  const top = normal.split('/')[1] ?? '';
  if (SYSTEM_TREES.some((tree) => isSameOrInside(normal, tree)) || /^lib(?:32|64|x32|exec)?$/.test(top))
    return `it is inside the system folder /${top}`;
  if (SHARED_ROOTS.includes(normal)) return `it is the shared folder ${normal} itself (choose a project folder inside it)`;
  return null;
}
/** A pasted token or API key: a few hundred characters at most; the cap only refuses junk. */
export const MAX_SECRET_VALUE_CHARS = 16 * 1024;
export const MAX_BRANCH_NAME_CHARS = 200;

/**
 * Why a branch name would be refused, or null: git's own rules (check-ref-format --branch), so
 * the form can say it as the name is typed; the core asks git itself before creating anything.
 */
export function branchNameProblem(name: string): string | null {
  if (name.trim() === '') return 'enter a branch name';
  if (name.length > MAX_BRANCH_NAME_CHARS) return `at most ${MAX_BRANCH_NAME_CHARS} characters`;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'no spaces or any of ~ ^ : ? * [ \\';
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/')) return 'cannot start with - or start or end with /';
  if (name.includes('..') || name.includes('//') || name.includes('@{') || name === '@') return 'no .., //, @{ and not @ alone';
  if (name.endsWith('.') || name.endsWith('.lock') || name.split('/').some((part) => part.startsWith('.')))
    return 'no part may start with . or end with . or .lock';
  return null;
}
