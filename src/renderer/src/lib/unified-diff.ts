export interface DiffLine {
  kind: 'add' | 'remove' | 'context' | 'hunk';
  oldNumber: number | null;
  newNumber: number | null;
  text: string;
}

/** Parses a unified diff into numbered lines; file headers (---/+++) and "\ No newline" are dropped. */
export function parseUnifiedDiff(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const raw of diff.split('\n')) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(raw);
    if (hunk !== null) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      lines.push({ kind: 'hunk', oldNumber: null, newNumber: null, text: raw });
      continue;
    }
    if (!inHunk || raw.startsWith('\\')) continue;
    if (raw.startsWith('+')) lines.push({ kind: 'add', oldNumber: null, newNumber: newLine++, text: raw.slice(1) });
    else if (raw.startsWith('-')) lines.push({ kind: 'remove', oldNumber: oldLine++, newNumber: null, text: raw.slice(1) });
    else if (raw.startsWith(' ')) lines.push({ kind: 'context', oldNumber: oldLine++, newNumber: newLine++, text: raw.slice(1) });
  }
  return lines;
}
