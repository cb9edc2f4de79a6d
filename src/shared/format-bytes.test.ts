import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes';

describe('byte sizes', () => {
  it('shows every size in binary units, the same on the card, in stats, Inspect and the CLI', () => {
    // The renderer's own formatter said "1.5 KB" / "150 MB" for these: the same powers of 1024, named as such.
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MiB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8 GiB');
    expect(formatBytes(10 * 1024 ** 2 + 1)).toBe('10.0 MiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3 TiB');
    expect(formatBytes(2048 * 1024 ** 4)).toBe('2048 TiB');
  });

  it('says "?" for what is not a size', () => {
    expect(formatBytes(-1)).toBe('?');
    expect(formatBytes(Number.NaN)).toBe('?');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
