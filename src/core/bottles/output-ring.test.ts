import { describe, expect, it } from 'vitest';
import { OutputRing } from './output-ring';

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
});
