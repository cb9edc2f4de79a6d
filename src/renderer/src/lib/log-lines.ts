/** Lines a Logs tab keeps: the largest tail it can ask for; older lines fall off as new ones come. */
export const MAX_LOG_LINES = 100_000;

// CSI sequences (colours, cursor moves), OSC sequences (titles, links), and lone escapes.
const ANSI =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f]/g;

/** A terminal line as a person reads it: escape codes gone, and after a carriage return only what overwrote it. */
export function readableLine(raw: string): string {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const lastReturn = line.lastIndexOf('\r');
  return (lastReturn === -1 ? line : line.slice(lastReturn + 1)).replace(ANSI, '');
}

/**
 * The lines of a log as they stream in, readable and bounded: chunks may end mid-line (the open
 * line stays last and grows), and beyond `limit` lines the oldest go.
 */
export class LogLines {
  private lines: string[] = [];
  private open = '';
  /** Bumped on every change, so a view can tell it must redraw. */
  version = 0;

  constructor(private readonly limit: number = MAX_LOG_LINES) {}

  append(chunk: string): void {
    if (chunk === '') return;
    const parts = (this.open + chunk).split('\n');
    this.open = parts.pop() ?? '';
    for (const part of parts) this.lines.push(readableLine(part));
    const room = this.limit - (this.open === '' ? 0 : 1);
    if (this.lines.length > room) this.lines.splice(0, this.lines.length - room);
    this.version += 1;
  }

  get length(): number {
    return this.lines.length + (this.open === '' ? 0 : 1);
  }

  line(index: number): string {
    return index < this.lines.length ? (this.lines[index] as string) : readableLine(this.open);
  }

  /** Every line, the open one included. */
  all(): string[] {
    return this.open === '' ? [...this.lines] : [...this.lines, readableLine(this.open)];
  }

  clear(): void {
    this.lines = [];
    this.open = '';
    this.version += 1;
  }
}

/** Indexes of the lines holding `needle` (case-insensitive); empty for an empty needle. */
export function matchingLines(lines: readonly string[], needle: string): number[] {
  const wanted = needle.toLowerCase();
  if (wanted === '') return [];
  const found: number[] = [];
  for (let index = 0; index < lines.length; index += 1) if ((lines[index] as string).toLowerCase().includes(wanted)) found.push(index);
  return found;
}

/** A line cut where `needle` occurs (case-insensitive), marking the matching parts. */
export function splitMatches(line: string, needle: string): { text: string; match: boolean }[] {
  if (needle === '') return [{ text: line, match: false }];
  const lower = line.toLowerCase();
  const wanted = needle.toLowerCase();
  const parts: { text: string; match: boolean }[] = [];
  let from = 0;
  for (let at = lower.indexOf(wanted); at !== -1; at = lower.indexOf(wanted, from)) {
    if (at > from) parts.push({ text: line.slice(from, at), match: false });
    parts.push({ text: line.slice(at, at + wanted.length), match: true });
    from = at + wanted.length;
  }
  if (from < line.length) parts.push({ text: line.slice(from), match: false });
  return parts;
}
