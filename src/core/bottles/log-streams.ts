import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { AppEvent } from '../../shared/app-events';
import type { LogsOpenRequest } from '../../shared/bottle-requests';
import { findBottleContainer } from '../engine/bottle-containers';
import { containerLogStream } from '../engine/container-output';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { BottleError, errorMessage } from '../base/bottle-error';

export type LogOpener = (identity: string, options: { tail: number | 'all'; follow: boolean }) => Promise<Readable>;

/**
 * Output is pushed in batches: what arrived in one turn of the event loop becomes one event (a
 * burst of tiny chunks is not thousands of them), and never more than this much at once.
 */
const FLUSH_BYTES = 256 * 1024;

/** A bottle's output: the tail, then (following) what it writes next; a clear error when it has no container. */
export async function openBottleLogs(
  ctx: CoreDeps,
  identity: string,
  options: { tail: number | 'all'; follow: boolean },
): Promise<Readable> {
  const { docker } = depsForBottle(ctx, identity);
  const info = await findBottleContainer(docker, identity);
  if (info === null) {
    throw new BottleError(
      'not-found',
      `bottle ${identity} has no container, so no logs: stopping a bottle saves its state and removes the container`,
    );
  }
  return containerLogStream(docker, info.Id, options);
}

/**
 * The Logs tabs that are open: each reads its bottle's log through the engine and pushes it as
 * `log-data` events, then `log-end` when the log ends (the container stopped, or reading failed).
 * Nothing is kept here beyond one batch; the window keeps what it shows.
 */
export class LogStreams {
  private readonly streams = new Map<string, Readable>();

  constructor(
    private readonly openLog: LogOpener,
    private readonly emit: (event: AppEvent) => void,
  ) {}

  /** How many log streams are open (for tests and diagnostics). */
  get size(): number {
    return this.streams.size;
  }

  /** `to` receives this stream's data and end: the opening client's sink (by default, every listener). */
  async open(request: LogsOpenRequest, to: (event: AppEvent) => void = this.emit): Promise<{ streamId: string }> {
    const stream = await this.openLog(request.identity, { tail: request.tail, follow: request.follow });
    const streamId = `l-${randomBytes(8).toString('hex')}`;
    this.streams.set(streamId, stream);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let timer: NodeJS.Immediate | null = null;
    const flush = (): void => {
      if (timer !== null) clearImmediate(timer);
      timer = null;
      if (pending === '') return;
      const data = pending;
      pending = '';
      to({ type: 'log-data', streamId, data });
    };
    stream.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setImmediate(flush);
    });
    let ended = false;
    const end = (reason: string | null): void => {
      if (ended) return;
      ended = true;
      pending += decoder.end();
      flush();
      if (this.streams.delete(streamId)) to({ type: 'log-end', streamId, reason });
    };
    stream.on('end', () => end(null));
    stream.on('close', () => end(null));
    stream.on('error', (error: Error) => end(`reading the log failed: ${errorMessage(error)}`));
    return { streamId };
  }

  close(streamId: string): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    this.streams.delete(streamId);
    stream.destroy();
  }

  closeAll(): void {
    for (const streamId of [...this.streams.keys()]) this.close(streamId);
  }
}
