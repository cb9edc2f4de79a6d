import type { Core } from '../core/create-core';
import { errorMessage } from '../core/base/bottle-error';
import type { RawAttachment } from '../core/bottles/terminal-sessions';

/**
 * Attaches this terminal to the bottle's TTY until the agent exits or the operator detaches
 * (Ctrl-P Ctrl-Q, as with `docker attach`). Resolves with the container's state afterwards.
 */
export async function attachTerminal(core: Core, identity: string): Promise<'running' | 'exited'> {
  const attachment = await core.terminals.attachRaw(identity, 'ctrl-p,ctrl-q');
  await pipeTerminal(core, identity, attachment);
  return attachment.stateAfter();
}

/**
 * This terminal on a container's TTY (a bottle's, or the sign-in flow's), raw when it is one,
 * following its size, until the attachment's stream ends; the terminal is put back as it was.
 */
export async function pipeTerminal(core: Core, name: string, attachment: RawAttachment): Promise<void> {
  const { stream } = attachment;
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  const resize = (): void => {
    if (!process.stdout.columns || !process.stdout.rows) return;
    attachment.resize(process.stdout.columns, process.stdout.rows).catch((error: unknown) => {
      // The agent may have exited between the resize event and the call; the session end says so.
      core.notices.log.write('warning', `resize of ${name} failed: ${errorMessage(error)}`);
    });
  };
  if (raw) stdin.setRawMode(true);
  stdin.resume();
  stdin.pipe(stream);
  stream.pipe(process.stdout, { end: false });
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
  stream.unpipe(process.stdout);
  stdin.unpipe(stream);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
}
