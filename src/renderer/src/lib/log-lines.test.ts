import { describe, expect, it } from 'vitest';
import { LogLines, matchingLines, readableLine, splitMatches } from './log-lines';

describe('log lines', () => {
  it('reads terminal output the way a person sees it', () => {
    expect(readableLine('\u001b[1;32mok\u001b[0m done\r')).toBe('ok done');
    expect(readableLine('progress 10%\rprogress 100%')).toBe('progress 100%');
    expect(readableLine('\u001b]0;title\u0007prompt $ ')).toBe('prompt $ ');
    expect(readableLine('bell\u0007 tab\tkept')).toBe('bell tab\tkept');
  });

  it('joins chunks cut mid-line and keeps at most its limit', () => {
    const lines = new LogLines(3);
    lines.append('one\ntw');
    expect(lines.all()).toEqual(['one', 'tw']);
    lines.append('o\nthree\nfour\nfive');
    expect(lines.all()).toEqual(['three', 'four', 'five']);
    expect(lines.length).toBe(3);
    expect(lines.line(2)).toBe('five');
    const version = lines.version;
    lines.append('');
    expect(lines.version).toBe(version);
    lines.clear();
    expect(lines.length).toBe(0);
  });

  it('finds and marks matches, case-insensitively', () => {
    expect(matchingLines(['Error here', 'fine', 'another error'], 'ERROR')).toEqual([0, 2]);
    expect(matchingLines(['a'], '')).toEqual([]);
    expect(splitMatches('an Error and an error', 'error')).toEqual([
      { text: 'an ', match: false },
      { text: 'Error', match: true },
      { text: ' and an ', match: false },
      { text: 'error', match: true },
    ]);
    expect(splitMatches('plain', '')).toEqual([{ text: 'plain', match: false }]);
  });
});
