import { describe, expect, it } from 'vitest';
import { JsonLineReader } from '../../src/core/engine/gateway-control';

function reader(max = 64): { messages: unknown[]; bad: string[]; push: (chunk: string) => boolean } {
  const messages: unknown[] = [];
  const bad: string[] = [];
  const lines = new JsonLineReader(
    max,
    (message) => messages.push(message),
    (reason) => bad.push(reason),
  );
  return { messages, bad, push: (chunk) => lines.push(chunk) };
}

describe('the gateway control stream: JSON lines (issue 19)', () => {
  it('joins lines split across chunks and reads several in one chunk', () => {
    const r = reader();
    expect(r.push('{"type":"rea')).toBe(true);
    expect(r.push('dy"}\n{"a":1}\n\n{"b"')).toBe(true);
    expect(r.messages).toEqual([{ type: 'ready' }, { a: 1 }]);
    expect(r.push(':2}\n')).toBe(true);
    expect(r.messages).toEqual([{ type: 'ready' }, { a: 1 }, { b: 2 }]);
  });

  it('reports a line that is not JSON and reads on', () => {
    const r = reader();
    expect(r.push('hello\n{"ok":true}\n')).toBe(true);
    expect(r.bad).toEqual(['not JSON: "hello"']);
    expect(r.messages).toEqual([{ ok: true }]);
  });

  it('stops at a line past the cap, whole or still unterminated, without holding it', () => {
    const whole = reader(16);
    expect(whole.push(`{"x":"${'a'.repeat(40)}"}\n{"after":1}\n`)).toBe(false);
    expect(whole.messages).toEqual([]);
    expect(whole.bad).toEqual(['a line longer than 16 bytes']);
    const open = reader(16);
    expect(open.push('a'.repeat(10))).toBe(true);
    expect(open.push('a'.repeat(10))).toBe(false);
  });
});
