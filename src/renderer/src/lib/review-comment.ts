/**
 * The line a review comment puts in the agent's terminal: where it is about, then the note on one
 * line (a newline would submit half of it to the agent's prompt early).
 */
export function reviewCommentText(path: string, line: number | null, note: string): string {
  const where = line === null ? path : `${path}:${line}`;
  return `Review comment on ${where}: ${note.trim().replace(/\s*\n\s*/g, ' ')}`;
}
