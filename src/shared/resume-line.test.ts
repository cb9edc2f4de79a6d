import { describe, expect, it } from 'vitest';
import { resumeLine, sessionEndedLine } from './resume-line';

describe('the resume line', () => {
  it('is the CLI command that continues the bottle, spelled one way everywhere', () => {
    expect(resumeLine('dev-abcde')).toBe('claude-bottle resume dev-abcde');
    expect(sessionEndedLine('dev-abcde')).toBe('bottle dev-abcde session ended; continue it with: claude-bottle resume dev-abcde');
  });
});
