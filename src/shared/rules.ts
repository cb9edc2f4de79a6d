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
export const MAX_TERMINAL_INPUT_CHARS = 64 * 1024;
