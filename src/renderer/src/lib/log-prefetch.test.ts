import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logStreams } from './keyed-streams';
import { followPrefetchedLogs, logStreamKey, prefetchLogs } from './log-prefetch';

let calls: [string, unknown][] = [];
let nextStream = 1;

beforeEach(() => {
  calls = [];
  (globalThis as unknown as { window: unknown }).window = {
    claudeBottle: {
      invoke: (channel: string, arg: unknown): Promise<unknown> => {
        calls.push([channel, arg]);
        return Promise.resolve(channel === 'logs:open' ? { streamId: `l-${nextStream++}` } : null);
      },
    },
  };
});

afterEach(() => {
  vi.useRealTimers();
});

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const opens = (): unknown[] => calls.filter(([channel]) => channel === 'logs:open').map(([, arg]) => arg);
const closes = (): unknown[] => calls.filter(([channel]) => channel === 'logs:close').map(([, arg]) => arg);

function recorder(): { text: string[]; ended: (string | null)[]; opened: string[]; handlers: Parameters<typeof followPrefetchedLogs>[1] } {
  const text: string[] = [];
  const ended: (string | null)[] = [];
  const opened: string[] = [];
  return {
    text,
    ended,
    opened,
    handlers: { data: (chunk) => text.push(chunk), end: (reason) => ended.push(reason), opened: (id) => opened.push(id) },
  };
}

describe("a Logs tab's stream opened when the tab is pressed", () => {
  it('asks once for the first tail, following, and hands everything said before the click over whole', async () => {
    prefetchLogs('b1', 'c1');
    prefetchLogs('b1', 'c1');
    expect(opens()).toEqual([{ identity: 'b1', tail: 1000, follow: true, containerId: 'c1' }]);
    await settle();
    const streamId = `l-${nextStream - 1}`;
    // More than the bounded early buffer of streams nobody listens to (2 MiB): nothing is cut.
    const big = 'x'.repeat(3 * 1024 * 1024);
    logStreams.push(streamId, big);
    logStreams.push(streamId, '\nlast line\n');
    const tab = recorder();
    expect(followPrefetchedLogs(logStreamKey('b1', 'c1', 10_000, true), tab.handlers)).toBeNull();
    const stop = followPrefetchedLogs(logStreamKey('b1', 'c1', 1000, true), tab.handlers);
    expect(stop).not.toBeNull();
    expect(tab.opened).toEqual([streamId]);
    expect(tab.text.join('')).toBe(`${big}\nlast line\n`);
    logStreams.push(streamId, 'then more\n');
    logStreams.end(streamId, null);
    expect(tab.text.at(-1)).toBe('then more\n');
    expect(tab.ended).toEqual([null]);
    // Taken once: the next tab opens its own.
    expect(followPrefetchedLogs(logStreamKey('b1', 'c1', 1000, true), recorder().handlers)).toBeNull();
    stop?.();
    await settle();
    expect(closes()).toEqual([streamId]);
  });

  it('reports to a tab that took it before the engine answered', async () => {
    prefetchLogs('b2', 'c2');
    const tab = recorder();
    const stop = followPrefetchedLogs(logStreamKey('b2', 'c2', 1000, true), tab.handlers);
    expect(tab.opened).toEqual([]);
    await settle();
    const streamId = `l-${nextStream - 1}`;
    expect(tab.opened).toEqual([streamId]);
    logStreams.push(streamId, 'hello\n');
    expect(tab.text).toEqual(['hello\n']);
    stop?.();
  });

  it('closes a stream no tab took (a press that was not a click), and one another press replaced', async () => {
    vi.useFakeTimers();
    prefetchLogs('b3', 'c3');
    await vi.advanceTimersByTimeAsync(0);
    const first = `l-${nextStream - 1}`;
    prefetchLogs('b4', 'c4');
    await vi.advanceTimersByTimeAsync(0);
    expect(closes()).toEqual([first]);
    const second = `l-${nextStream - 1}`;
    await vi.advanceTimersByTimeAsync(3000);
    expect(closes()).toEqual([first, second]);
    expect(followPrefetchedLogs(logStreamKey('b4', 'c4', 1000, true), recorder().handlers)).toBeNull();
  });
});
