/** The named points where tests may kill the process, to prove a crash there loses nothing. */
export type FaultPointName = 'start-after-metadata' | 'after-build' | 'after-snapshot' | 'after-commit';

/**
 * Injectable fault point: when `CLAUDE_BOTTLE_FAULT` names this point the process SIGKILLs itself
 * here, exactly as a crash would (no cleanup, no finally blocks). Unset in normal use.
 */
export function faultPoint(name: FaultPointName): void {
  if (process.env.CLAUDE_BOTTLE_FAULT === name) process.kill(process.pid, 'SIGKILL');
}
