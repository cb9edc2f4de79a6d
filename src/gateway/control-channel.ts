/**
 * The control channel's transport: JSON lines in from a readable stream, capped per line and
 * validated, and JSON lines out to a writable one. Out-lines queue in memory only up to a cap: if
 * the core stops reading, log lines are dropped (and counted in the next error) rather than letting
 * a chatty bottle grow the gateway's memory without bound.
 */
import type { Readable, Writable } from 'node:stream';
import { lineSplitter } from '../shared/line-splitter';
import { controlInSchema, MAX_CONTROL_LINE_BYTES, type ControlIn, type ControlOut } from './control-protocol';

const MAX_QUEUED_OUT_BYTES = 8 * 1024 * 1024;

export interface ControlChannel {
  send(message: ControlOut): void;
}

/** One line in, checked: the message, or a one-line reason it was refused. */
export function parseControlLine(line: string): { message: ControlIn } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error: unknown) {
    // V8 quotes a piece of the text it could not read: never echoed, since a credentials line holds values.
    return { error: `control line is not JSON: ${(error as Error).message.replace(/"[^"]*"(\.\.\.)?/g, '…')}` };
  }
  const parsed = controlInSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `control line refused: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'}` };
  }
  return { message: parsed.data };
}

/** Writes messages as JSON lines, dropping (and later reporting) what would overflow the queue. */
export function createControlWriter(output: Writable): ControlChannel {
  let dropped = 0;
  output.on('error', (error: unknown) => {
    // The reader went away (EPIPE): nothing to tell it; the proxy keeps serving on its last tables.
    process.stderr.write(`gateway: control output failed: ${(error as Error).message}\n`);
  });
  return {
    send(message: ControlOut): void {
      if (output.writableLength > MAX_QUEUED_OUT_BYTES || output.destroyed) {
        dropped++;
        return;
      }
      if (dropped > 0) {
        output.write(`${JSON.stringify({ type: 'error', message: `${dropped} control messages dropped: the reader fell behind` })}\n`);
        dropped = 0;
      }
      output.write(`${JSON.stringify(message)}\n`);
    },
  };
}

/**
 * Splits the input into lines and hands each checked message on. A line longer than the cap is
 * discarded up to its end (with one error), so a flood cannot grow the buffer.
 */
export function readControlLines(input: Readable, onMessage: (message: ControlIn) => void, onError: (message: string) => void): void {
  const split = lineSplitter({
    maxLineBytes: MAX_CONTROL_LINE_BYTES,
    onLine: (line) => {
      const parsed = parseControlLine(line);
      if ('error' in parsed) onError(parsed.error);
      else onMessage(parsed.message);
    },
    onTooLong: () => onError(`control line longer than ${MAX_CONTROL_LINE_BYTES} bytes: discarded`),
  });
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => split(chunk));
}
