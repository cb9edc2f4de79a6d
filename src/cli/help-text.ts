/** The widest the help gets: the width the help was written for. */
const HELP_WIDTH = 120;
const INDENT = '  ';
const GAP = '  ';
/** The description column starts here at most; a longer synopsis puts its description on the next lines. */
const MAX_SYNOPSIS = 56;

/** Splits text at spaces into lines of at most `width` characters (a longer word gets its own line). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Two columns, synopsis and description, every description starting in the same column. A
 * synopsis wider than that column is wrapped on its own lines and its description follows under
 * the column, so nothing runs past the terminal's edge or out of line.
 */
export function helpText(rows: readonly (readonly [string, string])[]): string {
  const widest = Math.max(...rows.map(([synopsis]) => synopsis.length).filter((length) => length <= MAX_SYNOPSIS));
  const column = INDENT.length + widest + GAP.length;
  const pad = ' '.repeat(column);
  const out: string[] = [];
  for (const [synopsis, description] of rows) {
    const text = wrapWords(description, HELP_WIDTH - column);
    if (synopsis.length <= widest) {
      out.push(`${INDENT}${synopsis.padEnd(widest)}${GAP}${text[0] ?? ''}`.trimEnd(), ...text.slice(1).map((line) => pad + line));
      continue;
    }
    const wrapped = wrapWords(synopsis, HELP_WIDTH - INDENT.length);
    out.push(...wrapped.map((line, index) => `${index === 0 ? INDENT : INDENT + INDENT}${line}`), ...text.map((line) => pad + line));
  }
  return out.join('\n');
}
