import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { BottleView } from '../../shared/bottle-view';
import { containerLogStream } from '../engine/container-output';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { errorMessage } from '../base/bottle-error';
import { joinReplay, OutputRing } from './output-ring';

/** Lines of the engine's log a feed starts from (the ring keeps the last 1 MiB of them). */
const SEED_TAIL_LINES = 2000;

export interface FeedListener {
  data(text: string): void;
  end(): void;
}

/**
 * One running bottle's TTY, attached once and shared by every terminal open on it: its output
 * goes into a bounded ring (replayed to a terminal that opens) and to the open terminals; their
 * input goes to the same stdin.
 */
export class TerminalFeed {
  readonly ring = new OutputRing();
  private readonly listeners = new Set<FeedListener>();
  private stream: Duplex | null = null;
  private ended = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly ctx: CoreDeps,
    readonly identity: string,
    readonly containerId: string,
    private readonly onEnd: (feed: TerminalFeed) => void,
    /** What the feed could not do but went on without (to the core log). */
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {
    this.ready = this.start();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Replays nothing: the caller reads `ring.text()` first, in the same tick, so nothing falls between. */
  subscribe(listener: FeedListener): () => void {
    if (this.ended) {
      listener.end();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  write(data: string): void {
    this.stream?.write(data);
  }

  close(): void {
    this.stream?.destroy();
    this.finish();
  }

  private async start(): Promise<void> {
    // Attach first, then read what the engine's log already holds: output written between the
    // two is in both and is counted once (joinReplay), so nothing falls between them, not even
    // the first words of an agent that just started.
    const container = this.ctx.docker.getContainer(this.containerId);
    const stream = await container.attach();
    if (this.ended) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    const decoder = new StringDecoder('utf8');
    let meanwhile: string | null = '';
    stream.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      if (text === '') return;
      if (meanwhile !== null) {
        meanwhile = (meanwhile + text).slice(-this.ring.capacity);
        return;
      }
      this.ring.push(text);
      for (const listener of this.listeners) listener.data(text);
    });
    stream.on('end', () => this.finish());
    stream.on('close', () => this.finish());
    stream.on('error', () => this.finish());
    const history = await this.readHistory();
    this.ring.push(joinReplay(history, meanwhile));
    meanwhile = null;
  }

  /** The newest part of the engine's log, or nothing when its log driver cannot be read back. */
  private async readHistory(): Promise<string> {
    try {
      const log = await containerLogStream(this.ctx.docker, this.containerId, { tail: SEED_TAIL_LINES, follow: false });
      const decoder = new StringDecoder('utf8');
      const kept = new OutputRing(this.ring.capacity);
      await new Promise<void>((resolve, reject) => {
        log.on('data', (chunk: Buffer) => kept.push(decoder.write(chunk)));
        log.on('end', resolve);
        log.on('error', reject);
      });
      kept.push(decoder.end());
      return kept.text();
    } catch (error: unknown) {
      // A log driver the engine cannot read back (none, syslog…), or any other failure to read it:
      // the ring starts with the attach, and the log says why the earlier output is missing.
      this.onProblem(`its earlier output could not be read back: ${errorMessage(error)}`);
      return '';
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
    this.onEnd(this);
  }
}

/**
 * The feeds of the running bottles. The live core keeps one per running bottle from the moment it
 * sees it run (so a terminal opened later shows what the agent said before); any core starts one
 * when a terminal opens. A feed ends with its container; a resumed bottle gets a fresh one.
 */
export class TerminalFeeds {
  private readonly feeds = new Map<string, TerminalFeed>();

  constructor(
    private readonly ctx: CoreDeps,
    private readonly onError: (identity: string, message: string) => void = () => undefined,
  ) {}

  /** The feed of this container, started if needed; rejects when it cannot attach. */
  async ensure(identity: string, containerId: string): Promise<TerminalFeed> {
    let feed = this.feeds.get(identity);
    if (feed !== undefined && (feed.containerId !== containerId || feed.isEnded)) {
      feed.close();
      feed = undefined;
    }
    if (feed === undefined) {
      const started = new TerminalFeed(
        depsForBottle(this.ctx, identity),
        identity,
        containerId,
        (ended) => {
          if (this.feeds.get(identity) === ended) this.feeds.delete(identity);
        },
        (message) => this.onError(identity, message),
      );
      this.feeds.set(identity, started);
      feed = started;
      started.ready.catch((_error: unknown) => {
        // A feed that could not attach is dropped; the next terminal (or view) tries again. The
        // error itself reaches whoever awaits `ready` (below, and track()'s report).
        started.close();
      });
    }
    await feed.ready;
    return feed;
  }

  /** Follows a bottle's pushed view: a running container gets a feed, anything else loses its own. */
  track(view: BottleView): void {
    if (view.status === 'running' && view.containerId !== null) {
      const current = this.feeds.get(view.identity);
      if (current !== undefined && current.containerId === view.containerId && !current.isEnded) return;
      this.ensure(view.identity, view.containerId).catch((error: unknown) => this.onError(view.identity, errorMessage(error)));
      return;
    }
    this.forget(view.identity);
  }

  forget(identity: string): void {
    this.feeds.get(identity)?.close();
    this.feeds.delete(identity);
  }

  /** How many feeds are held (for tests and diagnostics). */
  get size(): number {
    return this.feeds.size;
  }

  closeAll(): void {
    for (const feed of [...this.feeds.values()]) feed.close();
    this.feeds.clear();
  }
}
