import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { AppEvent } from '../../shared/app-events';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { BottleError, errorMessage } from '../base/bottle-error';
import type { EngineContainer, EngineExec } from '../engine/engine-client';
import { findBottleContainer } from '../engine/bottle-containers';
import { TerminalFeeds } from './terminal-feeds';

/** Where one terminal's events go: the client that opened it, and only that client. */
export type TerminalSink = (event: AppEvent) => void;

type Session =
  | {
      kind: 'agent';
      identity: string;
      to: TerminalSink;
      container: EngineContainer;
      feed: { write(data: string): void };
      detach: () => void;
    }
  | {
      kind: 'shell';
      identity: string;
      to: TerminalSink;
      container: EngineContainer;
      user: string;
      marker: string;
      exec: EngineExec;
      stream: Duplex;
    }
  | {
      kind: 'flow';
      to: TerminalSink;
      attachment: RawAttachment;
      /** Closing the terminal cancels the flow (the sign-in: its container is killed, nothing stored). */
      abort: AbortController;
      /** Settles once the flow has (its container and network removed). */
      settled: () => Promise<void>;
    };

/**
 * A flow that runs a container on a terminal of the UI (the sign-in, sign-in-flow.ts): it hands
 * its TTY to `terminal` once attached, and settles with the line the terminal shows last.
 */
export type TerminalFlow = (terminal: (attachment: RawAttachment) => Promise<void>, signal: AbortSignal) => Promise<string>;

const SHELL_MARKER = 'CLAUDE_BOTTLE_SHELL';
/** How long closing a shell waits for the engine to take the hang-up. */
const HANG_UP_WAIT_MS = 5000;
/** HUP to every process whose environment holds the marker ($1): the shell and what runs in it. */
const HANG_UP_SCRIPT =
  'for p in /proc/[0-9]*; do tr "\\0" "\\n" < "$p/environ" 2>/dev/null | grep -qxF "$1" && kill -HUP "${p#/proc/}" 2>/dev/null; done; true';

/** A bottle's TTY handed to a front end that does its own terminal plumbing (the CLI's attach). */
export interface RawAttachment {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** After the stream ends: whether the bottle still runs (detached) or its agent exited. */
  stateAfter(): Promise<'running' | 'exited'>;
}

/** A container's TTY as a RawAttachment (a bottle's, or the sign-in flow's); no `detachKeys`: only the container's end ends it. */
export async function rawAttachment(container: EngineContainer, detachKeys?: string): Promise<RawAttachment> {
  const stream = await container.attach(detachKeys === undefined ? {} : { detachKeys });
  return {
    stream,
    resize: async (cols, rows) => {
      await container.resize({ w: cols, h: rows });
    },
    stateAfter: async () => {
      // Removed meanwhile, or the engine gone: either way it is not running any more.
      const after = await container.inspect().catch((_error: unknown) => null);
      return after?.State.Running === true ? 'running' : 'exited';
    },
  };
}

/**
 * Terminals for the UI, output pushed as `terminal-data` events, input and resizes back through
 * the contract. An agent terminal shows the bottle's shared TTY feed: first the ring of what it
 * printed before (so a reopened or second window shows where the agent is), then live output.
 * A shell is a separate `sh` exec'd in the bottle as the agent's user. Closing a terminal never
 * stops the bottle.
 */
export class TerminalSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ctx: CoreDeps,
    private readonly emit: (event: AppEvent) => void,
    readonly feeds: TerminalFeeds = new TerminalFeeds(ctx),
  ) {}

  /** Attaches to the bottle's TTY; `detachKeys` (e.g. ctrl-p,ctrl-q) end the attachment, not the agent. */
  async attachRaw(identity: string, detachKeys: string): Promise<RawAttachment> {
    const { docker } = depsForBottle(this.ctx, identity);
    const info = await findBottleContainer(docker, identity);
    if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container; resume it first`);
    if (info.State !== 'running') throw new BottleError('conflict', `bottle ${identity} is not running (${info.State}); resume it first`);
    return rawAttachment(docker.getContainer(info.Id), detachKeys);
  }

  private async runningContainer(identity: string, what: string): Promise<EngineContainer> {
    const { docker } = depsForBottle(this.ctx, identity);
    const info = await findBottleContainer(docker, identity);
    if (info === null || info.State !== 'running')
      throw new BottleError('conflict', `bottle ${identity} is not running; resume it to open ${what}`);
    return docker.getContainer(info.Id);
  }

  private newSessionId(): string {
    return `t-${randomBytes(8).toString('hex')}`;
  }

  private ended(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    session.to({ type: 'terminal-exit', sessionId });
  }

  /** How many terminals and shells are open (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  /** `to` receives this terminal's output and end: the opening client's sink (by default, every listener). */
  async open(identity: string, cols: number, rows: number, to: TerminalSink = this.emit): Promise<{ sessionId: string }> {
    const container = await this.runningContainer(identity, 'a terminal');
    const feed = await this.feeds.ensure(identity, container.id);
    const sessionId = this.newSessionId();
    const session: Session = { kind: 'agent', identity, to, container, feed, detach: () => undefined };
    this.sessions.set(sessionId, session);
    // Replay and subscribe in one tick: nothing the agent prints can fall between the two.
    const replay = feed.ring.text();
    if (replay !== '') to({ type: 'terminal-data', sessionId, data: replay });
    session.detach = feed.subscribe({
      data: (data) => to({ type: 'terminal-data', sessionId, data }),
      end: () => this.ended(sessionId),
    });
    // The bottle stopped just now: the session ended as it opened (terminal-exit was pushed).
    if (!this.sessions.has(sessionId)) return { sessionId };
    await this.resize(sessionId, cols, rows);
    return { sessionId };
  }

  /** A separate `sh` in the bottle, as the user the agent runs as, in its working folder, on a TTY. */
  async openShell(identity: string, cols: number, rows: number, to: TerminalSink = this.emit): Promise<{ sessionId: string }> {
    const container = await this.runningContainer(identity, 'a shell');
    const config = (await container.inspect()).Config;
    // The container's own user is the agent's run user (launch decides it): the shell gets the same.
    const user = config.User ?? '';
    const sessionId = this.newSessionId();
    const marker = `${SHELL_MARKER}=${sessionId}`;
    const exec = await container.exec({
      Cmd: ['sh'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      // The marker is inherited by all the shell starts: closing the session finds them by it.
      Env: ['TERM=xterm-256color', marker],
      ...(user !== '' ? { User: user } : {}),
      ...(config.WorkingDir ? { WorkingDir: config.WorkingDir } : {}),
    });
    const stream = await exec.start({ stdin: true, tty: true });
    this.sessions.set(sessionId, { kind: 'shell', identity, to, container, user, marker, exec, stream });
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      const data = decoder.write(chunk);
      if (data !== '') to({ type: 'terminal-data', sessionId, data });
    });
    const ended = (): void => this.ended(sessionId);
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', ended);
    await this.resize(sessionId, cols, rows);
    return { sessionId };
  }

  /**
   * A terminal on a flow's container (the sign-in). Resolves once its TTY is attached, or rejects
   * with the flow's error when it fails before (an image build). Its output goes to `to`; when the
   * flow settles, the terminal shows its outcome in one line, then ends. Closing it cancels the flow.
   */
  async openFlow(flow: TerminalFlow, cols: number, rows: number, to: TerminalSink = this.emit): Promise<{ sessionId: string }> {
    const sessionId = this.newSessionId();
    const abort = new AbortController();
    let attached: (() => void) | null = null;
    const opened = new Promise<void>((resolve) => {
      attached = resolve;
    });
    let finished: Promise<void> = Promise.resolve();
    const terminal = async (attachment: RawAttachment): Promise<void> => {
      this.sessions.set(sessionId, { kind: 'flow', to, attachment, abort, settled: () => finished });
      const decoder = new StringDecoder('utf8');
      attachment.stream.on('data', (chunk: Buffer) => {
        const data = decoder.write(chunk);
        if (data !== '') to({ type: 'terminal-data', sessionId, data });
      });
      attached?.();
      await this.resize(sessionId, cols, rows);
      await new Promise<void>((resolve) => {
        attachment.stream.on('end', resolve);
        attachment.stream.on('close', resolve);
        attachment.stream.on('error', () => resolve());
      });
    };
    const outcome = flow(terminal, abort.signal).then(
      (line) => line,
      (error: unknown) => errorMessage(error),
    );
    finished = outcome.then((line) => {
      if (this.sessions.has(sessionId)) to({ type: 'terminal-data', sessionId, data: `\r\n${line}\r\n` });
      this.ended(sessionId);
    });
    // Failed before its TTY was attached: the open fails with the flow's own error.
    const first = await Promise.race([opened.then(() => null), outcome.then((line) => line)]);
    if (first !== null && !this.sessions.has(sessionId)) {
      await finished;
      throw new BottleError('conflict', first);
    }
    return { sessionId };
  }

  /**
   * Hangs up a shell and everything started from it, from a second exec as the same user: the
   * engine leaves an exec running when its connection closes.
   */
  private async hangUp(session: Extract<Session, { kind: 'shell' }>): Promise<void> {
    const kill = await session.container.exec({
      Cmd: ['sh', '-c', HANG_UP_SCRIPT, 'sh', session.marker],
      ...(session.user !== '' ? { User: session.user } : {}),
    });
    // Its (empty) answer is read to its end (startDetached): left unread, it would hold an engine
    // connection open, and a serve process being stopped would never exit.
    await kill.startDetached(HANG_UP_WAIT_MS);
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new BottleError('not-found', `terminal session ${sessionId} is closed`);
    return session;
  }

  async input(sessionId: string, data: string): Promise<void> {
    const session = this.session(sessionId);
    if (session.kind === 'agent') session.feed.write(data);
    else if (session.kind === 'flow') session.attachment.stream.write(data);
    else session.stream.write(data);
  }

  async resize(sessionId: string, cols: number, rows: number): Promise<void> {
    const session = this.session(sessionId);
    // A resize racing the end of the process is harmless: the session's end says what happened.
    if (session.kind === 'agent') await session.container.resize({ h: rows, w: cols }).catch((_error: unknown) => undefined);
    else if (session.kind === 'flow') await session.attachment.resize(cols, rows).catch((_error: unknown) => undefined);
    else await session.exec.resize({ h: rows, w: cols }).catch((_error: unknown) => undefined);
  }

  async close(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    if (session.kind === 'agent') {
      session.detach();
      return;
    }
    if (session.kind === 'flow') {
      // Cancelled, and waited for: a core closing after this leaves no flow's container behind.
      session.abort.abort();
      await session.settled();
      return;
    }
    // The shell may have exited on its own already, or the bottle stopped: nothing left to hang up.
    await this.hangUp(session).catch((_error: unknown) => undefined);
    session.stream.destroy();
  }

  /** Every terminal and shell closed (shells hung up), and every feed let go. */
  async closeAll(): Promise<void> {
    this.feeds.closeAll();
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}
