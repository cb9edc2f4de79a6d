import { PassThrough, type Readable } from 'node:stream';
import type { LogEntry } from './json-log-tail';

/*
 * A log's tail painted from the engine's file on this host (json-log-tail.ts) before the engine's
 * own stream of the same tail arrives, a line per write, 5-12 ms later. The engine's stream stays
 * the truth and goes on following: its first bytes are matched against the file's entries, and
 * only what comes after the painted tail goes out.
 *
 * The engine reads its tail a moment before or after the file was read, so its window may start
 * some entries earlier or later: the file's read keeps MAX_SHIFT entries more than it paints, and
 * the match is tried at each entry around the painted tail's start. The entries' times narrow that
 * down (the engine stamps them with this host's clock): every entry stamped before the request went
 * out was in the engine's window, none stamped after its first byte came back was. So a log that
 * repeats itself (the same line every second) is still placed right. A stream that matches at none
 * of the places left (the log rotated meanwhile, say) goes out whole after a line saying so: lines
 * may show twice then, never go missing.
 */

/** How many entries may have been written between the file's read and the engine's. */
const MAX_SHIFT = 128;

/** How many entries before the painted tail the file's read keeps, for the engine's window to be found in. */
export const PREVIEW_CONTEXT = MAX_SHIFT;

/**
 * How long an entry may take from its stamp to the file: one stamped this long before the request is
 * taken to be in the engine's window. Too short only narrows the places too much (a notice, lines
 * twice); never a line lost.
 */
const WRITE_LAG_MS = 5;

/** Said before the engine's stream when it does not continue the preview. */
export const PREVIEW_MISMATCH_NOTICE = '\r\n[claude-bottle: the log moved on while it opened; the engine’s last lines follow]\r\n';

/**
 * Where the engine's window may start among `entries` (indexes), given when its request went out
 * and when its first byte came back: its last entry is at or after the last one stamped before the
 * request, and before the first one stamped after that byte.
 */
export function possibleStarts(entries: LogEntry[], shown: number, requestedAt: number, answeredAt: number): number[] {
  const first = Math.max(0, entries.length - shown);
  const lastBefore = entries.findLastIndex((entry) => entry.time < requestedAt - WRITE_LAG_MS);
  const firstAfter = entries.findIndex((entry) => entry.time > answeredAt + 1);
  const low = Math.max(first - MAX_SHIFT, lastBefore - shown + 1, 0);
  // None stamped after: the window may reach past the entries read (lines written since).
  const high = Math.min(first + MAX_SHIFT - 1, firstAfter === -1 ? Number.MAX_SAFE_INTEGER : firstAfter - shown, entries.length - 1);
  const starts: number[] = [];
  for (let k = low; k <= high; k++) starts.push(k);
  return starts;
}

/**
 * The last `shown` of `entries` (read from the file: the painted tail and up to MAX_SHIFT entries
 * before it), then what the engine's stream (`engine`: its own tail, asked for at `requestedAt`,
 * and what follows) has beyond them. Ends, fails and closes with the engine's stream, which waits
 * while the reader does.
 */
export function previewThenEngine(entries: LogEntry[], shown: number, engine: Readable, requestedAt: number): Readable {
  const out = new PassThrough();
  const bytes = entries.map((entry) => Buffer.from(entry.text, 'utf8'));
  const whole = Buffer.concat(bytes);
  const offsets: number[] = [];
  for (let k = 0, offset = 0; k < bytes.length; offset += (bytes[k] as Buffer).length, k++) offsets.push(offset);
  out.write(whole.subarray(offsets[Math.max(0, bytes.length - shown)] ?? whole.length));
  // Byte offsets of the places the engine's window may start; set once its first byte is here.
  let alive: number[] | null = null;
  const held: Buffer[] = [];
  let received = 0;
  let decided = false;
  const send = (chunk: Buffer): void => {
    // The reader is behind: the engine waits (and, through its socket, the engine itself).
    if (!out.write(chunk)) {
      engine.pause();
      out.once('drain', () => engine.resume());
    }
  };
  // Whether a chunk the engine sent at `at` still equals the file's entries from `start` on.
  const stillMatches = (start: number, chunk: Buffer, at: number): boolean => {
    const from = start + at;
    const length = Math.min(chunk.length, whole.length - from);
    return length <= 0 || chunk.subarray(0, length).equals(whole.subarray(from, from + length));
  };
  const decide = (starts: number[], final: boolean): void => {
    const earliest = starts[0];
    if (earliest === undefined) {
      decided = true;
      send(Buffer.from(PREVIEW_MISMATCH_NOTICE, 'utf8'));
      for (const chunk of held) send(chunk);
      return;
    }
    // Once the overlap of the earliest place left has all arrived, the rest is new.
    const overlap = whole.length - earliest;
    if (received < overlap && !final) return;
    decided = true;
    if (received > overlap) send(Buffer.concat(held).subarray(overlap));
  };
  engine.on('data', (chunk: Buffer) => {
    if (decided) {
      send(chunk);
      return;
    }
    alive ??= possibleStarts(entries, shown, requestedAt, Date.now()).map((k) => offsets[k] as number);
    alive = alive.filter((start) => stillMatches(start, chunk, received));
    held.push(chunk);
    received += chunk.length;
    decide(alive, false);
    if (decided) held.length = 0;
  });
  engine.on('end', () => {
    // An engine that sent nothing (a log emptied meanwhile) leaves the painted tail as it is.
    if (!decided && received > 0) decide(alive ?? [], true);
    out.end();
  });
  engine.on('error', (error: Error) => out.destroy(error));
  engine.on('close', () => {
    if (!out.writableEnded) out.end();
  });
  out.on('close', () => engine.destroy());
  return out;
}
