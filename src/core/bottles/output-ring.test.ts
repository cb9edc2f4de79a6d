import { describe, expect, it } from 'vitest';
import { joinReplay, OutputRing } from './output-ring';

describe('the terminal output ring', () => {
  it('keeps the newest output within its capacity, oldest chunks first to go', () => {
    const ring = new OutputRing(10);
    ring.push('abcd');
    ring.push('efgh');
    expect(ring.text()).toBe('abcdefgh');
    ring.push('ijkl');
    expect(ring.text()).toBe('efghijkl');
    expect(ring.size).toBe(8);
    ring.push('');
    expect(ring.size).toBe(8);
  });

  it('keeps the end of a chunk larger than the ring, never cutting a character in two', () => {
    const ring = new OutputRing(8);
    ring.push('0123456789abcdef');
    expect(ring.text()).toBe('89abcdef');
    ring.push('ééééééééé');
    expect(Buffer.byteLength(ring.text())).toBeLessThanOrEqual(8);
    expect(ring.text()).toMatch(/^é+$/);
  });

  it('stays bounded over a long run of small writes', () => {
    const ring = new OutputRing(1024);
    for (let index = 0; index < 100_000; index += 1) ring.push(`line ${index}\n`);
    expect(ring.size).toBeLessThanOrEqual(1024);
    expect(ring.text().endsWith('line 99999\n')).toBe(true);
    ring.clear();
    expect(ring.text()).toBe('');
  });

  it('joins a log read after an attach opened without repeating what both saw', () => {
    expect(joinReplay('hello\nprompt $ ', 'prompt $ ls\n')).toBe('hello\nprompt $ ls\n');
    expect(joinReplay('line 1\nline 2\n', '')).toBe('line 1\nline 2\n');
    expect(joinReplay('', 'fresh')).toBe('fresh');
    expect(joinReplay('abc', 'xyz')).toBe('abcxyz');
    // The log can lag a partial line behind the attach: only the shared part is dropped.
    expect(joinReplay('one\ntwo\n', 'two\nthr')).toBe('one\ntwo\nthr');
    expect(joinReplay('aaaa', 'aaab')).toBe('aaaab');
  });
});
