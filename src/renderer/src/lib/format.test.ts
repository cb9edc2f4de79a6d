import { describe, expect, it } from 'vitest';
import { formatPercent, relativeTime, shortId, shortPath } from './format';

describe('formatting for cards', () => {
  it('shortens paths to the two segments that tell folders apart', () => {
    expect(shortPath('/home/me/src/project')).toBe('…/src/project');
    expect(shortPath('/project')).toBe('/project');
    expect(shortPath('C:\\Users\\me\\work\\app')).toBe('…/work/app');
  });

  it('says how long ago, coarsely', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(relativeTime('2026-11-26T11:59:30+00:00', now)).toBe('just now');
    expect(relativeTime('2026-11-26T11:50:00+00:00', now)).toBe('10 min ago');
    expect(relativeTime('2026-11-26T09:00:00+00:00', now)).toBe('3 h ago');
    expect(relativeTime('2026-11-20T12:00:00+00:00', now)).toBe('6 d ago');
    expect(relativeTime('not a date', now)).toBe('not a date');
  });

  it('shows ids the way docker ps does', () => {
    expect(shortId('sha256:0123456789abcdef0123')).toBe('0123456789ab');
  });

  // Sizes: src/shared/format-bytes.test.ts (one formatter for every view).
  it('shows CPU and the engine the way an operator reads them', () => {
    expect(formatPercent(3.14159)).toBe('3.1%');
    expect(formatPercent(145.6)).toBe('146%');
  });
});
