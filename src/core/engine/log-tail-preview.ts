import { PassThrough, type Readable } from 'node:stream';

/*
 * A log's tail painted from the engine's file on this host (json-log-tail.ts) before the engine's
 * own stream of the same tail arrives, a line per write, 5-12 ms later. The engine's stream stays
 * the truth and goes on following: its first bytes are matched against the file's entries, and
 * only what comes after the painted tail goes out. The engine reads its tail a moment before or
 * after the file was read, so its window may start a few entries earlier or later: the file's read
 * keeps MAX_SHIFT entries more than it paints, and the match is tried at each entry around the
 * painted tail's start. A stream that matches at none (the log rotated meanwhile, say) goes out
 * whole after a line saying so: lines may show twice then, never go missing.
 */

/** How many entries may have been written between the file's read and the engine's: ms apart. */
const MAX_SHIFT = 128;

/** How many entries before the painted tail the file's read keeps, for the engine's window to be found in. */
export const PREVIEW_CONTEXT = MAX_SHIFT;

/** Said before the engine's stream when it does not continue the preview. */
export const PREVIEW_MISMATCH_NOTICE = '\r\n[claude-bottle: the log moved on while it opened; the engine’s last lines follow]\r\n';

/**
 * The last `shown` of `entries` (read from the file: the painted tail and up to MAX_SHIFT entries
 * before it), then what the engine's stream (`engine`: its own tail and what follows) has beyond
 * them. Ends, fails and closes with the engine's stream.
 */
export function previewThenEngine(entries: string[], shown: number, engine: Readable): Readable {
  const out = new PassThrough();
  const bytes = entries.map((entry) => Buffer.from(entry, 'utf8'));
  const whole = Buffer.concat(bytes);
  const first = Math.max(0, bytes.length - shown);
  // Where each candidate window starts in `whole`: entry k's offset, from MAX_SHIFT entries before the painted tail to MAX_SHIFT into it.
  const starts: number[] = [];
  let painted = 0;
  for (let k = 0, offset = 0; k < bytes.length; offset += (bytes[k] as Buffer).length, k++) {
    if (k === first) painted = offset;
    if (k >= first - MAX_SHIFT && k < first + MAX_SHIFT) starts.push(offset);
  }
  out.write(whole.subarray(painted));
  let alive = starts.map((_start, k) => k);
  const held: Buffer[] = [];
  let received = 0;
  let decided = false;
  // Whether a chunk the engine sent at `at` still equals the preview from candidate k's start on.
  const stillMatches = (k: number, chunk: Buffer, at: number): boolean => {
    const start = (starts[k] as number) + at;
    const length = Math.min(chunk.length, whole.length - start);
    return length <= 0 || chunk.subarray(0, length).equals(whole.subarray(start, start + length));
  };
  const decide = (final: boolean): void => {
    const earliest = alive[0];
    if (earliest === undefined) {
      decided = true;
      out.write(PREVIEW_MISMATCH_NOTICE);
      for (const chunk of held) out.write(chunk);
      return;
    }
    // The fewest new entries that explain the stream: once its overlap has all arrived, the rest is new.
    const overlap = whole.length - (starts[earliest] as number);
    if (received < overlap && !final) return;
    decided = true;
    if (received > overlap) out.write(Buffer.concat(held).subarray(overlap));
  };
  engine.on('data', (chunk: Buffer) => {
    if (decided) {
      out.write(chunk);
      return;
    }
    alive = alive.filter((k) => stillMatches(k, chunk, received));
    held.push(chunk);
    received += chunk.length;
    decide(false);
    if (decided) held.length = 0;
  });
  engine.on('end', () => {
    if (!decided) decide(true);
    out.end();
  });
  engine.on('error', (error: Error) => out.destroy(error));
  engine.on('close', () => {
    if (!out.writableEnded) out.end();
  });
  out.on('close', () => engine.destroy());
  return out;
}
