import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../src/shared/line-splitter';

function splitter(max = 16): { lines: string[]; tooLong: number; feed: (chunk: string | Uint8Array) => void } {
  const result = { lines: [] as string[], tooLong: 0, feed: (_chunk: string | Uint8Array): void => undefined };
  result.feed = lineSplitter({
    maxLineBytes: max,
    onLine: (line) => result.lines.push(line),
    onTooLong: () => (result.tooLong += 1),
  });
  return result;
}

describe('the one JSON-lines splitter (engine events, the gateway control stream both ways)', () => {
  it('joins lines split across chunks, reads several in one chunk, and skips blank lines', () => {
    const s = splitter();
    s.feed('{"a":');
    s.feed('1}\n\n  \n{"b":2}\n{"c"');
    expect(s.lines).toEqual(['{"a":1}', '{"b":2}']);
    s.feed(':3}\n');
    expect(s.lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('decodes a multi-byte character split between two byte chunks', () => {
    const s = splitter(64);
    const bytes = new TextEncoder().encode('{"host":"bücher.example"}\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of ü
    s.feed(bytes.slice(0, cut));
    s.feed(bytes.slice(cut));
    expect(s.lines).toEqual(['{"host":"bücher.example"}']);
  });

  it('drops a line past the cap (in UTF-8 bytes) up to its newline, says so once, and reads on after it', () => {
    const s = splitter(16);
    s.feed(`${'a'.repeat(10)}`);
    s.feed(`${'a'.repeat(10)}`); // unterminated and past the cap already: not held
    s.feed(`${'a'.repeat(1000)}\n{"after":1}\n`);
    expect(s.tooLong).toBe(1);
    expect(s.lines).toEqual(['{"after":1}']);
    // Nine characters, 18 bytes: over the cap in bytes, though not in characters.
    s.feed(`${'é'.repeat(9)}\nok\n`);
    expect(s.tooLong).toBe(2);
    expect(s.lines).toEqual(['{"after":1}', 'ok']);
  });
});
