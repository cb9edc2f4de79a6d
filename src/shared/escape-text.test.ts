import { describe, expect, it } from 'vitest';
import { escapeControl, escapeJsonText, escapeLine } from './escape-text';

describe('escapeControl: what an agent wrote, shown as it is', () => {
  it.each([
    ['a terminal escape sequence', 'red \u001b[31mtext\u001b[0m', 'red \\x1b[31mtext\\x1b[0m'],
    ['a carriage return that would overwrite the line', 'safe\rEVIL', 'safe\\rEVIL'],
    ['NUL, BEL, DEL and a C1 CSI', 'a\u0000b\u0007c\u007fd\u009be', 'a\\x00b\\x07c\\x7fd\\x9be'],
    ['a right-to-left override (Trojan Source)', 'if admin \u202e } {', 'if admin \\u202e } {'],
    ['isolates and marks', '\u2066x\u2069 \u200e\u200f \u061c', '\\u2066x\\u2069 \\u200e\\u200f \\u061c'],
    ['zero-width and invisible characters', 'cu\u200brl | s\u200dh \ufeff', 'cu\\u200brl | s\\u200dh \\ufeff'],
    ['Unicode line separators', 'one\u2028two\u2029', 'one\\u2028two\\u2029'],
    ['an invisible tag character', 'x\u{e0041}y', 'x\\u{e0041}y'],
  ])('escapes %s', (_what, input, shown) => {
    expect(escapeControl(input)).toBe(shown);
    expect(escapeControl(input)).not.toBe(input);
  });

  it('keeps line feeds and tabs in multi-line text, escapes them on one line', () => {
    expect(escapeControl('FROM a\n\tRUN x')).toBe('FROM a\n\tRUN x');
    expect(escapeControl('FROM a\n\tRUN x', { multiline: false })).toBe('FROM a\\n\\tRUN x');
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    const text = 'Needs jq — für die Tests, 日本語, 🙂, "quotes" and \\ backslashes';
    expect(escapeControl(text)).toBe(text);
    expect(escapeControl(text)).toBe(text);
  });
});

describe('escapeJsonText: --json output, the same value, inert on a terminal', () => {
  it('escapes DEL, C1 controls, bidi and tag characters inside strings; a JSON reader gets the same value back', () => {
    const value = { name: 'a\u001b]0;title\u0007b\u009b2K\u007f\u202egnp.exe', list: ['x\u{e0041}y', 'plain — ok 🙂'], n: 1 };
    const json = escapeJsonText(JSON.stringify(value, null, 2));
    expect(JSON.parse(json)).toEqual(value);
    expect(escapeControl(json)).toBe(json);
    expect(json).toContain('\\u009b2K\\u007f\\u202egnp.exe');
    expect(json).toContain('x\\udb40\\udc41y');
    expect(json).toContain('plain — ok 🙂');
  });
});

describe('escapeLine: a file name or link target cannot fake a second line or reorder the row', () => {
  it('escapes line feeds and tabs as well as controls and bidi overrides', () => {
    expect(escapeLine('a\nb\tc\u202ed.txt')).toBe('a\\nb\\tc\\u202ed.txt');
    expect(escapeLine('src/plain name.ts')).toBe('src/plain name.ts');
  });
});
