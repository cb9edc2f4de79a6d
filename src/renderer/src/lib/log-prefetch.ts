import { invoke } from '../api/api';
import { logStreams, type StreamHandlers } from './keyed-streams';

/** The tails a Logs tab offers; it opens on the first. */
export const LOG_TAILS = [1_000, 10_000, 100_000] as const;

/** A prefetched stream nobody took in this long (the press was not a click) is closed. */
const UNCLAIMED_MS = 3000;

/** A stream opened ahead of its tab: what it said so far waits, whole, for the tab to take it. */
interface Held {
  key: string;
  opening: Promise<string>;
  streamId: string | null;
  closed: boolean;
  kept: string[];
  ended: { reason: string | null } | null;
  handlers: StreamHandlers | null;
  unlisten: () => void;
  timer: ReturnType<typeof setTimeout>;
}

let held: Held | null = null;

/** Which stream a Logs tab asks for: a prefetch serves only the very same request. */
export function logStreamKey(identity: string, containerId: string, tail: number, follow: boolean): string {
  return `${identity}\0${containerId}\0${tail}\0${String(follow)}`;
}

function closeStream(stream: Held): void {
  stream.closed = true;
  clearTimeout(stream.timer);
  stream.unlisten();
  stream.opening.then(
    (streamId) => {
      logStreams.drop(streamId);
      // Already ended on the other side: nothing left to close.
      void invoke('logs:close', streamId).catch((_error: unknown) => undefined);
    },
    // It never opened: nothing to close, and nobody is waiting for its error.
    (_error: unknown) => undefined,
  );
}

/**
 * Opens the stream a Logs tab opens first (the last 1,000 lines, following) as soon as the tab is
 * pressed, not once the click lands and the tab has rendered: the engine's answer is on its way
 * meanwhile. Only that tail is asked for; a press that does not become the tab (dragged away)
 * closes it unread. What arrives before the tab takes it is kept whole (not the bounded early
 * buffer of streams nobody listens to), so no line is lost however long the press lasts.
 */
export function prefetchLogs(identity: string, containerId: string): void {
  const key = logStreamKey(identity, containerId, LOG_TAILS[0], true);
  if (held?.key === key) return;
  if (held !== null) closeStream(held);
  const opening = invoke('logs:open', { identity, tail: LOG_TAILS[0], follow: true, containerId }).then((result) => result.streamId);
  const stream: Held = {
    key,
    opening,
    streamId: null,
    closed: false,
    kept: [],
    ended: null,
    handlers: null,
    unlisten: () => undefined,
    timer: setTimeout(() => {
      if (held !== stream) return;
      held = null;
      closeStream(stream);
    }, UNCLAIMED_MS),
  };
  held = stream;
  opening.then(
    (streamId) => {
      // Closed before it answered: closeStream closes it.
      if (stream.closed) return;
      stream.streamId = streamId;
      stream.handlers?.opened?.(streamId);
      stream.unlisten = logStreams.listen(streamId, {
        data: (text) => (stream.handlers === null ? stream.kept.push(text) : stream.handlers.data(text)),
        end: (reason) => (stream.handlers === null ? (stream.ended = { reason }) : stream.handlers.end(reason)),
      });
    },
    (error: unknown) => {
      if (held === stream) held = null;
      if (!stream.closed) stream.handlers?.failed?.(error);
    },
  );
}

/**
 * Follows the prefetched stream if it is exactly this one (what it said so far first), until the
 * returned stop closes it; null when there is none, and the tab opens its own.
 */
export function followPrefetchedLogs(key: string, handlers: StreamHandlers): (() => void) | null {
  const stream = held;
  if (stream?.key !== key) return null;
  held = null;
  clearTimeout(stream.timer);
  stream.handlers = handlers;
  // Opened already: say so, hand over what came, and what ended.
  if (stream.streamId !== null) handlers.opened?.(stream.streamId);
  if (stream.kept.length > 0) handlers.data(stream.kept.splice(0).join(''));
  if (stream.ended !== null) handlers.end(stream.ended.reason);
  // Still opening: the opening's own callbacks report to these handlers when it answers.
  return () => closeStream(stream);
}
