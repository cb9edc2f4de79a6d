import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { AppEvent } from '../../shared/app-events';
import type { LogsOpenRequest } from '../../shared/bottle-requests';
import { findBottleContainer, isOwnContainer, LABEL_IDENTITY } from '../engine/bottle-containers';
import { isEngineNotFound } from '../engine/if-engine-object-exists';
import { containerLogStream } from '../engine/container-output';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { BottleError, errorMessage } from '../base/bottle-error';

export type LogOpener = (identity: string, options: { tail: number | 'all'; follow: boolean }, shown?: string) => Promise<Readable>;

/**
 * Output is pushed in batches: what arrived in one turn of the event loop becomes one event (a
 * burst of tiny chunks is not thousands of them), and never more than this much at once.
 */
const FLUSH_BYTES = 256 * 1024;

/**
 * A bottle's output: the tail, then (following) what it writes next; a clear error when it has no
 * container. `shown`: the container the window shows, read at once when the engine confirms it is
 * this bottle's (its labels, this state root's); looking the bottle's container up lists every
 * container on the engine, which costs more than reading the tail. Any other container (a stale
 * window's, a mistaken id) is left unread, and the bottle's container is looked up as without one.
 */
export async function openBottleLogs(
  ctx: CoreDeps,
  identity: string,
  options: { tail: number | 'all'; follow: boolean },
  shown?: string,
): Promise<Readable> {
  const onEngine = depsForBottle(ctx, identity);
  const { docker } = onEngine;
  const logOptions = { ...options, onHost: onEngine.engine.local };
  if (shown !== undefined) {
    const isThisBottles = (labels: Record<string, string> | null | undefined): boolean =>
      labels?.[LABEL_IDENTITY] === identity && isOwnContainer(labels);
    try {
      const stream = await containerLogStream(docker, shown, logOptions, (inspected) => isThisBottles(inspected.Config.Labels));
      if (stream !== null) return stream;
    } catch (error: unknown) {
      // Gone since the window showed it (removed, replaced by an approval): the lookup below says
      // whether the bottle has another. Anything else (the engine away) fails as the lookup would.
      if (!isEngineNotFound(error)) throw error;
    }
  }
  const info = await findBottleContainer(docker, identity);
  if (info === null) {
    throw new BottleError(
      'not-found',
      `bottle ${identity} has no container, so no logs: stopping a bottle saves its state and removes the container`,
    );
  }
  return containerLogStream(docker, info.Id, logOptions);
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
    const stream = await this.openLog(request.identity, { tail: request.tail, follow: request.follow }, request.containerId);
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
