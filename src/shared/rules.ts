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

/** Agent names: a folder name under an agents folder. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_AGENT_NAME_CHARS = 128;

export function isAgentName(value: string): boolean {
  return value.length <= MAX_AGENT_NAME_CHARS && AGENT_NAME_PATTERN.test(value);
}

export const MAX_PATH_CHARS = 4096;

/** A host path the operator gave: absolute (POSIX, or a Windows drive path), no NUL, bounded. */
export function isAbsolutePath(path: string): boolean {
  return path.length > 0 && path.length <= MAX_PATH_CHARS && !path.includes('\0') && (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path));
}

export const MAX_REJECT_MESSAGE_CHARS = 2000;
export const MAX_TERMINAL_INPUT_CHARS = 64 * 1024;

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
  if (name.endsWith('.') || name.endsWith('.lock') || name.split('/').some((part) => part.startsWith('.'))) return 'no part may start with . or end with . or .lock';
  return null;
}
