import { execFile, execFileSync } from 'node:child_process';
import { BottleError } from '../base/bottle-error';

/**
 * The host's `git`, run with an argument array (never a shell) and a clean environment: the
 * operator's GIT_DIR, GIT_INDEX_FILE and friends can never point a command at the wrong
 * repository, and nothing ever waits for a password prompt.
 *
 * Why the git CLI rather than a JavaScript implementation: it is what maintains the operator's
 * repository, so it reads every repository format the operator's git writes (packs, split
 * indexes, SHA-256 repositories, worktrees), checks incoming objects (`fetch.fsckObjects`), and
 * is fast on large histories; a developer host has it, and `.ci/run` installs it.
 */
export interface GitOptions {
  cwd?: string;
  /** Extra variables (GIT_DIR, GIT_INDEX_FILE, identities) for this call only. */
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Exit codes that are answers, not failures (e.g. 1 for "no such ref"). */
  okCodes?: number[];
  maxBuffer?: number;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class GitMissingError extends BottleError {
  constructor() {
    super('unsupported', 'git is not installed on this host (install git and try again)');
  }
}

/**
 * Config that wins over whatever the repository (or the bottle's copy of one) says, on every git
 * command of ours: no hooks, no fsmonitor, no credential helper, no transport but a local path,
 * no signing program, no recursion into submodules (whose config is the agent's to choose), no
 * background gc. A repository's config can name programs; none of them runs here. Diffs also pass
 * `--no-ext-diff --no-textconv`, and the bottle's own repository is never git's GIT_DIR at all
 * (only its objects are borrowed, see ShadowRepo).
 */
export const NO_REPOSITORY_PROGRAMS: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'credential.helper=',
  'protocol.allow=never',
  'protocol.file.allow=always',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'diff.ignoreSubmodules=all',
  'gc.auto=0',
  'maintenance.auto=false',
];

const SAFE_CONFIG_ARGS = NO_REPOSITORY_PROGRAMS.flatMap((setting) => ['-c', setting]);

/**
 * A repository file can be made to never answer (a FIFO for HEAD or the index, written by an
 * agent in mount mode): no git of ours waits for it forever. Generous for real work on a large
 * repository; the synchronous one blocks the process while it runs, so it is short.
 */
const GIT_TIMEOUT_MS = 10 * 60 * 1000;
const GIT_SYNC_TIMEOUT_MS = 15 * 1000;

function timedOut(args: string[], ms: number): BottleError {
  return new BottleError(
    'internal',
    `git ${args[0] ?? ''} did not finish within ${ms / 1000} s (a repository file that never answers, such as a FIFO, or a repository too large); nothing was changed`,
  );
}

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', ...extra };
}

export function runGit(args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...SAFE_CONFIG_ARGS, ...args],
      {
        cwd: options.cwd,
        env: gitEnv(options.env),
        encoding: 'buffer',
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
        timeout: GIT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new GitMissingError());
          return;
        }
        if (error !== null && error.killed === true) {
          reject(timedOut(args, GIT_TIMEOUT_MS));
          return;
        }
        const text = stderr.toString('utf8');
        if (code !== 0 && !(options.okCodes ?? []).includes(code)) {
          const last = text.trim().split('\n').filter(Boolean).pop() ?? (error as Error).message;
          reject(new BottleError('internal', `git ${args[0] ?? ''} failed: ${last.replace(/^(fatal|error): /, '')}`));
          return;
        }
        resolve({ code, stdout, stderr: text });
      },
    );
    child.stdin?.on('error', () => undefined); // git may exit before reading all input; its exit code says why
    child.stdin?.end(options.input);
  });
}

/**
 * runGit for the one caller that must stay synchronous (the mounts of a container spec): the same
 * config and environment. Null when git is missing or the command fails (e.g. not a repository):
 * the caller treats both as "git has nothing to say here".
 */
export function runGitSync(args: string[], cwd: string): Buffer | null {
  try {
    return execFileSync('git', [...SAFE_CONFIG_ARGS, ...args], {
      cwd,
      env: gitEnv(),
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: GIT_SYNC_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
  } catch (error: unknown) {
    // Killed at the time limit: an answer was never given, which is not "nothing to say" (a wall
    // built on it would have a hole), so the caller refuses rather than goes on without it.
    if ((error as { signal?: unknown }).signal === 'SIGKILL') throw timedOut(args, GIT_SYNC_TIMEOUT_MS);
    // No git on this host (ENOENT) or a non-zero exit: either way there is no answer to act on.
    if (error instanceof Error) return null;
    throw error;
  }
}

/** Paths git records as submodules (gitlinks, mode 160000) in `-s -z` output of ls-files, with their commits. */
export function gitlinksOf(lsFilesStage: Buffer): Map<string, string> {
  const links = new Map<string, string>();
  for (const record of splitZ(lsFilesStage)) {
    const match = /^160000 ([0-9a-f]{40,64}) (\d)\t(.+)$/s.exec(record);
    if (match !== null) links.set(match[3] as string, match[1] as string);
  }
  return links;
}

/** stdout of a git command as trimmed text. */
export async function gitText(args: string[], options: GitOptions = {}): Promise<string> {
  return (await runGit(args, options)).stdout.toString('utf8').trim();
}

/** The parts of git's NUL-separated (`-z`) output. */
export function splitZ(buffer: Buffer): string[] {
  return buffer
    .toString('utf8')
    .split('\0')
    .filter((part) => part.length > 0);
}
