import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { StringDecoder } from 'node:string_decoder';
import type { AppEvent } from '../../shared/app-events';
import { contextForBottle, type BottleContext } from '../services/bottle-context';
import { BottleError } from '../services/bottle-error';
import { findBottleContainer } from '../engine/bottle-containers';

interface Session {
  identity: string;
  /** The bottle's container, on its own engine. */
  container: Docker.Container;
  stream: Duplex;
}

/** Output replayed when a terminal opens, so the operator sees what the agent said before. */
const REPLAY_LINES = 300;

/** A bottle's TTY handed to a front end that does its own terminal plumbing (the CLI's attach). */
export interface RawAttachment {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** After the stream ends: whether the bottle still runs (detached) or its agent exited. */
  stateAfter(): Promise<'running' | 'exited'>;
}

/**
 * Terminals attached to bottles' TTYs for the UI: output is pushed as `terminal-data` events,
 * input and resizes come back through the contract. Closing a terminal never stops the bottle.
 */
export class TerminalSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ctx: BottleContext,
    private readonly emit: (event: AppEvent) => void,
  ) {}

  /** Attaches to the bottle's TTY; `detachKeys` (e.g. ctrl-p,ctrl-q) end the attachment, not the agent. */
  async attachRaw(identity: string, detachKeys: string): Promise<RawAttachment> {
    const { docker } = contextForBottle(this.ctx, identity);
    const info = await findBottleContainer(docker, identity);
    if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container; resume it first`);
    if (info.State !== 'running') throw new BottleError('conflict', `bottle ${identity} is not running (${info.State}); resume it first`);
    const container = docker.getContainer(info.Id);
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, detachKeys })) as unknown as Duplex;
    return {
      stream,
      resize: async (cols, rows) => {
        await container.resize({ w: cols, h: rows });
      },
      stateAfter: async () => {
        const after = await container.inspect().catch(() => null);
        return after?.State.Running === true ? 'running' : 'exited';
      },
    };
  }

  async open(identity: string, cols: number, rows: number): Promise<{ sessionId: string }> {
    const { docker } = contextForBottle(this.ctx, identity);
    const info = await findBottleContainer(docker, identity);
    if (info === null || info.State !== 'running') throw new BottleError('conflict', `bottle ${identity} is not running; resume it to open a terminal`);
    const container = docker.getContainer(info.Id);
    const sessionId = `t-${randomBytes(8).toString('hex')}`;
    const replay = (await container.logs({ stdout: true, stderr: true, tail: REPLAY_LINES, follow: false })) as unknown as Buffer;
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    this.sessions.set(sessionId, { identity, container, stream });
    const decoder = new StringDecoder('utf8');
    if (replay.length > 0) this.emit({ type: 'terminal-data', sessionId, data: replay.toString('utf8') });
    stream.on('data', (chunk: Buffer) => {
      const data = decoder.write(chunk);
      if (data !== '') this.emit({ type: 'terminal-data', sessionId, data });
    });
    const ended = (): void => {
      if (this.sessions.delete(sessionId)) this.emit({ type: 'terminal-exit', sessionId });
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', ended);
    await this.resize(sessionId, cols, rows);
    return { sessionId };
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new BottleError('not-found', `terminal session ${sessionId} is closed`);
    return session;
  }

  async input(sessionId: string, data: string): Promise<void> {
    this.session(sessionId).stream.write(data);
  }

  async resize(sessionId: string, cols: number, rows: number): Promise<void> {
    const session = this.session(sessionId);
    // A resize racing the agent's exit fails; the terminal's exit event says what happened.
    await session.container.resize({ h: rows, w: cols }).catch(() => undefined);
  }

  async close(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    session.stream.destroy();
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) void this.close(id);
  }
}
