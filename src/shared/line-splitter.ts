/*
 * The one reader of newline-delimited text streams (JSON Lines): the engine's event stream, the
 * gateway's control stream as the core reads it, and the core's as the gateway reads it. Chunks
 * split lines anywhere, a multi-byte character included; a line past the cap is never held in
 * memory whole: it is dropped up to its newline and reported, and the reader goes on after it.
 */

export interface LineSplitterOptions {
  /** The longest line kept, in UTF-8 bytes. */
  maxLineBytes: number;
  /** A complete line, without its newline; blank lines are skipped. */
  onLine(line: string): void;
  /** A line past the cap was dropped (once per such line). */
  onTooLong(): void;
}

/** UTF-8 length of a string, without a Buffer (this module runs in the renderer too). */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    // A surrogate pair is one 4-byte character: 2 + 2.
    else if (code >= 0xd800 && code <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}

/** A function to feed each chunk to (text, or bytes decoded as UTF-8 across chunk boundaries). */
export function lineSplitter(options: LineSplitterOptions): (chunk: string | Uint8Array) => void {
  const decoder = new TextDecoder('utf-8');
  let buffered = '';
  let discarding = false;
  const tooLong = (): void => {
    buffered = '';
    if (!discarding) options.onTooLong();
    discarding = true;
  };
  return (chunk) => {
    let rest = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (;;) {
      const newline = rest.indexOf('\n');
      if (newline === -1) {
        if (!discarding) buffered += rest;
        if (utf8Bytes(buffered) > options.maxLineBytes) tooLong();
        return;
      }
      const line = buffered + rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      const dropped = discarding;
      buffered = '';
      discarding = false;
      if (dropped) continue;
      if (utf8Bytes(line) > options.maxLineBytes) {
        options.onTooLong();
        continue;
      }
      if (line.trim() !== '') options.onLine(line);
    }
  };
}
