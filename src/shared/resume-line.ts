/**
 * The command that continues a bottle from a terminal, `claude-bottle resume <identity>`: what the
 * card shows, the clipboard takes and every CLI hint prints, spelled once. Pure.
 */
export function resumeLine(identity: string): string {
  return `claude-bottle resume ${identity}`;
}

/** What the CLI prints when the terminal session of a bottle ends (the agent exited or was stopped). */
export function sessionEndedLine(identity: string): string {
  return `bottle ${identity} session ended; continue it with: ${resumeLine(identity)}`;
}
