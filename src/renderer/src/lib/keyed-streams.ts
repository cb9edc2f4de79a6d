/** What arrives before anyone listens is kept up to this many characters (a terminal's 1 MiB replay fits). */
const EARLY_LIMIT = 2 * 1024 * 1024;
/**
 * ...and only this long: events are pushed to every window, so output of streams another window
 * opened arrives here too, and nobody here will ever listen to it.
 */
const EARLY_TTL_MS = 15_000;

interface Early {
  text: string;
  ended: boolean;
  reason: string | null;
  since: number;
}

export interface StreamListener {
  data(text: string): void;
  end(reason: string | null): void;
}

/**
 * Pushed output of streams known by id (terminal sessions, log streams), kept out of React state:
 * listeners get it directly. Output and an end that arrive before the listener (the open call is
 * still answering when the first events come) are kept and handed over when it subscribes.
 */
export class KeyedStreams {
  private readonly listeners = new Map<string, StreamListener>();
  private readonly early = new Map<string, Early>();

  constructor(private readonly now: () => number = Date.now) {}

  listen(id: string, listener: StreamListener): () => void {
    this.listeners.set(id, listener);
    const kept = this.early.get(id);
    if (kept !== undefined) {
      this.early.delete(id);
      if (kept.text !== '') listener.data(kept.text);
      if (kept.ended) {
        this.listeners.delete(id);
        listener.end(kept.reason);
      }
    }
    return () => {
      if (this.listeners.get(id) === listener) this.listeners.delete(id);
    };
  }

  push(id: string, text: string): void {
    const listener = this.listeners.get(id);
    if (listener !== undefined) {
      listener.data(text);
      return;
    }
    const kept = this.keep(id);
    kept.text = (kept.text + text).slice(-EARLY_LIMIT);
  }

  end(id: string, reason: string | null): void {
    const listener = this.listeners.get(id);
    if (listener !== undefined) {
      this.listeners.delete(id);
      listener.end(reason);
      return;
    }
    const kept = this.keep(id);
    kept.ended = true;
    kept.reason = reason;
  }

  /** How many streams have output waiting for a listener (for tests). */
  get waiting(): number {
    return this.early.size;
  }

  private keep(id: string): Early {
    const at = this.now();
    // Oldest first (insertion order): stop at the first one still young.
    for (const [other, kept] of this.early) {
      if (at - kept.since < EARLY_TTL_MS) break;
      this.early.delete(other);
    }
    let kept = this.early.get(id);
    if (kept === undefined) {
      kept = { text: '', ended: false, reason: null, since: at };
      this.early.set(id, kept);
    }
    return kept;
  }

  /** Forgets what was kept for a stream nobody will listen to (its opener gave up). */
  drop(id: string): void {
    this.early.delete(id);
    this.listeners.delete(id);
  }
}

/** Terminal sessions (agent terminals and shells). */
export const terminalStreams = new KeyedStreams();
/** Logs tabs. */
export const logStreams = new KeyedStreams();

export interface StreamHandlers extends StreamListener {
  /** The open call answered: the stream's id (to send input on, say). */
  opened?(id: string): void;
  failed?(error: unknown): void;
}

/**
 * Listens to the stream an open call answers with, until the returned stop is called, which also
 * closes it. A caller that stopped before the answer came never listens: the stream is closed.
 */
export function followStream(
  streams: KeyedStreams,
  opening: Promise<string>,
  close: (id: string) => Promise<unknown>,
  handlers: StreamHandlers,
): () => void {
  let id: string | null = null;
  let stopped = false;
  let unlisten = (): void => undefined;
  const closeQuietly = (streamId: string): void => {
    streams.drop(streamId);
    // Already closed on the other side (it ended, the link dropped): nothing left to close.
    void close(streamId).catch((_error: unknown) => undefined);
  };
  opening.then(
    (streamId) => {
      if (stopped) return closeQuietly(streamId);
      id = streamId;
      handlers.opened?.(streamId);
      unlisten = streams.listen(streamId, {
        data: (text) => handlers.data(text),
        end: (reason) => {
          id = null;
          handlers.end(reason);
        },
      });
    },
    (error: unknown) => {
      if (!stopped) handlers.failed?.(error);
    },
  );
  return () => {
    stopped = true;
    unlisten();
    if (id !== null) closeQuietly(id);
  };
}
