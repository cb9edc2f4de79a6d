/** 1 MiB: a few hundred screens of an agent's terminal, enough to show where it is. */
export const TERMINAL_RING_BYTES = 1024 * 1024;

/**
 * The newest output of one bottle's terminal, at most `capacity` bytes (UTF-8), kept as decoded
 * text chunks: what a terminal that opens now replays before it shows live output. Old chunks
 * fall off the front; a chunk larger than the whole ring keeps only its end.
 */
export class OutputRing {
  private chunks: { text: string; bytes: number }[] = [];
  private head = 0;
  private total = 0;

  constructor(readonly capacity: number = TERMINAL_RING_BYTES) {}

  /** Bytes held now (never more than the capacity). */
  get size(): number {
    return this.total;
  }

  push(text: string): void {
    if (text === '') return;
    let chunk = text;
    let bytes = Buffer.byteLength(chunk);
    if (bytes > this.capacity) {
      // Keep the end that fits: a slice by characters, so no multi-byte character is cut in two.
      chunk = chunk.slice(-this.capacity);
      while (Buffer.byteLength(chunk) > this.capacity) chunk = chunk.slice(Math.ceil(chunk.length / 16));
      bytes = Buffer.byteLength(chunk);
    }
    this.chunks.push({ text: chunk, bytes });
    this.total += bytes;
    while (this.total > this.capacity) {
      const oldest = this.chunks[this.head];
      if (oldest === undefined) break;
      this.total -= oldest.bytes;
      this.head += 1;
    }
    // Compact now and then, so the array does not keep every chunk ever dropped.
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Everything held, oldest first. */
  text(): string {
    let out = '';
    for (let index = this.head; index < this.chunks.length; index += 1) out += (this.chunks[index] as { text: string }).text;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}

/** Overlaps longer than this are not looked for (a replay is joined, never scanned at length). */
const MAX_OVERLAP = 64 * 1024;
/** Cannot occur in decoded output (a decoder turns a lone surrogate into U+FFFD). */
const SEPARATOR = '\udfff';

/**
 * Joins what the engine's log held (`history`) with what a live attach, opened just before that
 * log was read, received meanwhile (`live`): output written between the two is in both, so the
 * longest end of `history` that `live` starts with is counted once. (KMP over live + history's end.)
 */
export function joinReplay(history: string, live: string): string {
  const head = live.slice(0, MAX_OVERLAP);
  const text = `${head}${SEPARATOR}${history.slice(-MAX_OVERLAP)}`;
  const border = new Int32Array(text.length);
  for (let index = 1; index < text.length; index += 1) {
    let length = border[index - 1] as number;
    while (length > 0 && text[index] !== text[length]) length = border[length - 1] as number;
    if (text[index] === text[length]) length += 1;
    border[index] = length;
  }
  const overlap = text.length === 0 ? 0 : (border[text.length - 1] as number);
  return history + live.slice(overlap);
}
