import { describe, expect, it } from 'vitest';
import { KeyedStreams } from './keyed-streams';

describe('keyed streams', () => {
  it('hands output and an end that came early to the listener that subscribes late', () => {
    const streams = new KeyedStreams();
    const got: string[] = [];
    streams.push('t-1', 'hello ');
    streams.push('t-1', 'world');
    streams.end('t-1', null);
    streams.listen('t-1', { data: (text) => got.push(text), end: (reason) => got.push(`end:${String(reason)}`) });
    expect(got).toEqual(['hello world', 'end:null']);
  });

  it('delivers live output to the listener, and nothing after it unsubscribed', () => {
    const streams = new KeyedStreams();
    const got: string[] = [];
    const stop = streams.listen('l-1', { data: (text) => got.push(text), end: (reason) => got.push(`end:${String(reason)}`) });
    streams.push('l-1', 'a');
    stop();
    streams.push('l-1', 'b');
    streams.drop('l-1');
    streams.listen('l-1', { data: (text) => got.push(text), end: () => undefined });
    expect(got).toEqual(['a']);
    streams.end('l-1', 'reading failed');
  });

  it('forgets output nobody listens to (streams another window opened) after a while', () => {
    let now = 0;
    const streams = new KeyedStreams(() => now);
    streams.push('t-other', 'x'.repeat(1000));
    now = 20_000;
    streams.push('t-mine', 'hello');
    expect(streams.waiting).toBe(1);
    const got: string[] = [];
    streams.listen('t-mine', { data: (text) => got.push(text), end: () => undefined });
    expect(got).toEqual(['hello']);
    expect(streams.waiting).toBe(0);
  });
});
