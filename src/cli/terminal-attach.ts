import type { Duplex } from 'node:stream';
import type { BottleContext } from '../core/services/bottle-context';
import { BottleError } from '../core/services/bottle-error';
import { findBottleContainer } from '../core/engine/bottle-containers';

/**
 * Attaches this terminal to the bottle's TTY until the agent exits or the operator detaches
 * (Ctrl-P Ctrl-Q, as with `docker attach`). Resolves with the container's state afterwards.
 */
export async function attachTerminal(ctx: BottleContext, identity: string): Promise<'running' | 'exited'> {
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container; resume it first`);
  if (info.State !== 'running') throw new BottleError('conflict', `bottle ${identity} is not running (${info.State}); resume it first`);
  const container = ctx.docker.getContainer(info.Id);
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, detachKeys: 'ctrl-p,ctrl-q' })) as unknown as Duplex;
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  const resize = (): void => {
    if (process.stdout.columns && process.stdout.rows) void container.resize({ w: process.stdout.columns, h: process.stdout.rows }).catch(() => undefined);
  };
  if (raw) stdin.setRawMode(true);
  stdin.resume();
  stdin.pipe(stream);
  stream.pipe(process.stdout);
  process.stdout.on('resize', resize);
  resize();
  // Nudge the agent to redraw its screen for the newly attached terminal.
  if (raw) setTimeout(resize, 50);
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  process.stdout.off('resize', resize);
  stdin.unpipe(stream);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
  const after = await container.inspect().catch(() => null);
  return after?.State.Running === true ? 'running' : 'exited';
}
