import type { Duplex } from 'node:stream';
import { parseJson } from '../base/parse-json';
import { lineSplitter } from '../../shared/line-splitter';
import type { EngineContainer } from './engine-client';
import { GATEWAY_CONTROL_SOCKET, GATEWAY_PROGRAM } from './gateway-image';

/*
 * The gateway's control stream: ONE `docker exec -i` in the gateway container whose stdin and
 * stdout carry JSON, one message per line. It goes wherever the engine's API goes (unix socket,
 * ssh, tcp+TLS, Docker Desktop) with no published port and no socket of the host's; the gateway
 * keeps proxying when it closes. What arrives is the gateway's, and the gateway faces the bottles:
 * a line is capped, and what is not JSON is reported, never trusted.
 */

/**
 * The command the stream runs: the gateway program's relay, which joins the running proxy's control
 * socket (the proxy is the container's main process; a second one could not take its port).
 */
export const GATEWAY_CONTROL_COMMAND: readonly string[] = ['node', GATEWAY_PROGRAM, '--control', GATEWAY_CONTROL_SOCKET];
/** The longest line read from the gateway; a longer one closes the stream. */
export const MAX_CONTROL_LINE_BYTES = 1024 * 1024;
/** What is kept of the program's stderr, to say why the stream ended. */
const STDERR_TAIL_CHARS = 4000;

/** Splits text into lines and parses each as JSON; a line past the cap is refused. */
export class JsonLineReader {
  private stopped = false;
  private readonly split: (chunk: string) => void;

  constructor(
    private readonly maxLineBytes: number,
    onMessage: (message: unknown) => void,
    private readonly onBadLine: (reason: string) => void,
  ) {
    this.split = lineSplitter({
      maxLineBytes,
      onLine: (line) => {
        if (this.stopped) return;
        const message = parseJson(line);
        if (message === undefined) onBadLine(`not JSON: ${JSON.stringify(line.slice(0, 80))}`);
        else onMessage(message);
      },
      onTooLong: () => this.tooLong(),
    });
  }

  /** Reads a chunk; returns false once a line was too long (nothing more is read then). */
  push(chunk: string): boolean {
    if (!this.stopped) this.split(chunk);
    return !this.stopped;
  }

  private tooLong(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onBadLine(`a line longer than ${this.maxLineBytes} bytes`);
  }
}

export interface GatewayControlHandlers {
  /** One parsed message (validated by the caller: it is the gateway's word, not ours). */
  message(message: unknown): void;
  /** A line that was not JSON, or too long (then the stream is closed). */
  badLine(reason: string): void;
  /** The stream ended (the gateway or the engine went away, or close()); `reason` for the log. */
  closed(reason: string): void;
}

/** An open control stream to the gateway. */
export class GatewayControl {
  private isClosed = false;
  private stderrTail = '';

  private constructor(
    private readonly stream: Duplex,
    private readonly handlers: GatewayControlHandlers,
  ) {}

  /** Starts the control command in the gateway container and reads its stdout as JSON lines. */
  static async open(
    container: EngineContainer,
    handlers: GatewayControlHandlers,
    command: readonly string[] = GATEWAY_CONTROL_COMMAND,
  ): Promise<GatewayControl> {
    const exec = await container.exec({ Cmd: [...command], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const { stream, stdout, stderr } = await exec.startDemuxed({ stdin: true });
    const control = new GatewayControl(stream, handlers);
    const reader = new JsonLineReader(MAX_CONTROL_LINE_BYTES, handlers.message, (reason: string) => handlers.badLine(reason));
    stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!control.isClosed && !reader.push(chunk)) control.finish('the gateway sent a line past the cap');
    });
    stderr.setEncoding('utf8').on('data', (chunk: string) => {
      control.stderrTail = (control.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    const ended = (): void => control.finish(control.stderrTail.trim().split('\n').pop() || 'the gateway control stream ended');
    stdout.on('end', ended);
    stream.on('close', ended);
    stream.on('error', (error: Error) => control.finish(error.message));
    return control;
  }

  get open(): boolean {
    return !this.isClosed;
  }

  /** Sends one message as one line; false when the stream is closed (nothing is sent then). */
  send(message: unknown): boolean {
    if (this.isClosed) return false;
    this.stream.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /** Closes the stream (the gateway keeps running); `closed` is called once. */
  close(): void {
    this.finish('closed');
  }

  private finish(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stream.destroy();
    this.handlers.closed(reason);
  }
}
