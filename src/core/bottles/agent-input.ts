import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { taskTextSchema } from '../../shared/validation';
import { BottleError } from '../base/bottle-error';
import type { CoreDeps } from '../deps/core-deps';
import { findBottleContainer } from '../engine/bottle-containers';

/*
 * What the operator types to an agent without opening its terminal (issue 21): a task at start
 * (promptArgs, bottle-setup.ts) and a message sent to a running bottle (`send`, the Reply box).
 */

/**
 * The Enter comes this long after the text, in a write of its own: a terminal program reads text
 * and Enter arriving together as a paste, and Claude Code keeps an Enter that arrives while it
 * still takes in a paste (100 ms after its last chunk, longer while it renders a long one) as a
 * newline in its input instead of submitting it.
 */
function enterDelayMs(text: string): number {
  return text.includes('\n') || text.length > 500 ? 1500 : 400;
}
/** How long the engine gets to take the input and close the connection before it is cut. */
const CLOSE_WAIT_MS = 5000;

/** The text as given, or a one-line error: one bounded text with no control characters but newline and tab. */
export function requireTaskText(text: string, what: 'task' | 'message'): string {
  const checked = taskTextSchema.safeParse(text);
  if (!checked.success) throw new BottleError('invalid-argument', `the ${what} ${checked.error.issues[0]?.message ?? 'is invalid'}`);
  return checked.data;
}

function write(stream: Duplex, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** Resolves when the engine has closed the connection (it read the input to its end), or after `ms`. */
function closed(stream: Duplex, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
    // Nothing is expected back; reading keeps the connection's end observable.
    stream.resume();
  });
}

/**
 * Types `text` into the running bottle's TTY, then Enter, as if the operator did it in its
 * terminal; refused (one line) when the bottle is not running. Its own attachment, input only: the
 * terminals attached meanwhile (the app's, `attach`) keep theirs.
 */
export async function typeIntoAgent(ctx: CoreDeps, identity: string, text: string): Promise<void> {
  requireTaskText(text, 'message');
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null || info.State !== 'running')
    throw new BottleError('conflict', `bottle ${identity} is not running${info === null ? '' : ` (${info.State})`}: resume it first`);
  const stream = await ctx.docker.getContainer(info.Id).attachInput();
  try {
    await write(stream, text);
    await sleep(enterDelayMs(text));
    await write(stream, '\r');
    stream.end();
    await closed(stream, CLOSE_WAIT_MS);
  } finally {
    stream.destroy();
  }
}
