/**
 * Reading a Dockerfile two ways, both pure: as the operator sees it (one instruction per visual
 * line) and as Docker parses it (a line ending in the escape character continues on the next).
 * Where the two disagree, a proposal says something other than what it looks like.
 */

/** One instruction as Docker reads it: continuation lines joined, comments and blanks left out. */
export interface LogicalLine {
  /** 1-based number of the visual line the instruction starts on. */
  line: number;
  /** The instruction keyword, upper-cased (RUN, USER, ADD, ...). */
  keyword: string;
  /** The whole instruction, continuation lines joined with a space. */
  text: string;
  /** The visual lines it spans, as written. */
  raw: string[];
}

/** The escape character: `\` unless a `# escape=` parser directive at the top says otherwise. */
export function escapeCharacter(dockerfile: string): string {
  for (const line of dockerfile.split('\n')) {
    const directive = /^\s*#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (directive === null) return '\\';
    if (directive[1]?.toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}

/** Instructions as Docker's parser groups them (without heredoc support, as the classic builder). */
export function logicalLines(dockerfile: string): LogicalLine[] {
  const escape = escapeCharacter(dockerfile);
  const lines = dockerfile.split('\n').map((line) => line.replace(/\r$/, ''));
  const result: LogicalLine[] = [];
  let current: LogicalLine | null = null;
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (current === null) {
      if (trimmed === '' || trimmed.startsWith('#')) return;
      current = { line: index + 1, keyword: (/^(\S+)/.exec(trimmed)?.[1] ?? '').toUpperCase(), text: '', raw: [] };
    } else if (trimmed === '' || trimmed.startsWith('#')) {
      // Blank and comment lines inside a continuation are skipped by the parser, not ending it.
      current.raw.push(line);
      return;
    }
    current.raw.push(line);
    const continues = trimmed.endsWith(escape);
    const part = continues ? trimmed.slice(0, -escape.length).trim() : trimmed;
    current.text = current.text === '' ? part : `${current.text} ${part}`;
    if (!continues) {
      result.push(current);
      current = null;
    }
  });
  if (current !== null) result.push(current);
  return result;
}

/**
 * The user of the last line that reads `USER x`, line by line as a person reads it (not as Docker
 * parses it), or null when no line switches user. Comparing it with the built image's user catches
 * a `USER` line that a continuation swallowed.
 */
export function finalUser(dockerfile: string): string | null {
  let user: string | null = null;
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*USER\s+(\S+)/i.exec(line);
    if (match) user = match[1] ?? null;
  }
  return user;
}

/**
 * A `USER` value that names root by how it reads: `root`, or uid 0 however the number is written
 * (`0`, `00`, `+0`: the engine reads the number, not the spelling), with any group. Whether a
 * built image really runs as root is decided on its own passwd (the core's image-user check).
 */
export function isRootUser(user: string | null): boolean {
  if (user === null) return false;
  const name = user.split(':')[0] ?? '';
  return name === 'root' || /^[+-]?0+$/.test(name);
}
