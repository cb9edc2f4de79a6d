/**
 * Why an agent that exited on start most likely did, in the operator's words, from its exit code
 * and the last lines it printed. The lines are shown too: this only names the likely cause.
 */
const PATTERNS: [RegExp, string][] = [
  [/cannot be used with root|sudo privileges/i, 'it refuses to run autonomously as root'],
  [
    /invalid api key|invalid x-api-key|authentication_error|\b401\b|unauthori[sz]ed|oauth token (has )?expired|token (is )?(expired|revoked)/i,
    'the login or key was refused',
  ],
  [/not logged in|please run \/login|run `?claude login|login required|no api key/i, 'not signed in'],
  [
    /ENOTFOUND|EAI_AGAIN|getaddrinfo|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network is unreachable|unable to connect|no network|connection error/i,
    'no network: the API cannot be reached',
  ],
  [/permission denied|EACCES|read-only file system|EROFS/i, 'a file or folder it needs is not writable'],
];

export function exitReason(exitCode: number | null, oomKilled: boolean, lines: string[]): string {
  if (oomKilled) return 'out of memory (killed by the memory limit)';
  if (exitCode === 127) return "the agent's command was not found in the image";
  if (exitCode === 126) return "the agent's command cannot be run (not executable)";
  const text = lines.join('\n');
  for (const [pattern, reason] of PATTERNS) if (pattern.test(text)) return reason;
  if (exitCode === 0) return 'the agent finished right away';
  return exitCode === null ? 'the agent exited' : `the agent failed (exit code ${exitCode})`;
}
