import { describe, expect, it } from 'vitest';
import { permissionInputText } from './permission-input';

describe("a permission question's input, as the approval panel shows it", () => {
  it('lays JSON out two spaces deep', () => {
    expect(permissionInputText('{"command":"npm test","timeout":120000}')).toBe('{\n  "command": "npm test",\n  "timeout": 120000\n}');
  });

  it('shows an escape sequence or a bidi override inside the JSON as a \\u escape, never as itself', () => {
    const shown = permissionInputText(JSON.stringify({ command: 'echo \u001b[2J\u202egnp.exe' }));
    expect(shown).not.toMatch(/[\u001b\u202e]/);
    expect(shown).toContain('\\u001b[2J\\u202egnp.exe');
  });

  it('shows text that is not JSON as written, escaped', () => {
    expect(permissionInputText('rm -rf build \u001b[31m')).toBe('rm -rf build \\x1b[31m');
  });
});
