import { describe, expect, it } from 'vitest';
import { parseStartArgs } from '../../src/cli/commands/start';

describe('claude-bottle start: its arguments', () => {
  it('--net chooses the network mode; absent, the core uses ask', () => {
    expect(parseStartArgs(['claude', '--net', 'locked'], '/home/me/p')).toEqual({
      request: { agent: 'claude', cwd: '/home/me/p', copy: false, autonomous: false, net: 'locked' },
      json: false,
      detach: false,
    });
    expect(parseStartArgs(['claude', '--net=open', '--copy', '--detach', '--json'], '/p').request).toMatchObject({
      net: 'open',
      copy: true,
    });
    expect(parseStartArgs(['claude', '--net', 'ask'], '/p').request.net).toBe('ask');
    expect(parseStartArgs(['claude'], '/p').request).not.toHaveProperty('net');
  });

  it('--name and --prompt go to the core as given (it checks them); absent, the request has neither', () => {
    expect(parseStartArgs(['claude', '--name', 'web', '--prompt', 'fix the tests\nthen push'], '/p').request).toMatchObject({
      name: 'web',
      prompt: 'fix the tests\nthen push',
    });
    // A task starting with "-" is taken in the --prompt=TEXT form (parseArgs reads `--prompt -x` as a missing value).
    expect(parseStartArgs(['claude', '--prompt=-n run it'], '/p').request.prompt).toBe('-n run it');
    expect(() => parseStartArgs(['claude', '--prompt', '-n run it'], '/p')).toThrow(
      /^--prompt needs a value \(one starting with "-" is given as --prompt=VALUE\) \(usage: /,
    );
    expect(parseStartArgs(['claude'], '/p').request).not.toHaveProperty('name');
    expect(parseStartArgs(['claude'], '/p').request).not.toHaveProperty('prompt');
  });

  it.each([
    [['claude', '--net', 'wide'], /^--net "wide": expected one of ask, locked, open$/],
    [['claude', '--net', 'ASK'], /--net "ASK"/],
    [['claude', '--net', ''], /--net "": expected one of/],
    [['claude', '--net'], /^--net needs a value \(usage: /],
    [['claude', '--net', 'open\u001b[2J'], /--net "open\\u001b\[2J"/],
  ])('%j is refused with one line', (argv, message) => {
    expect(() => parseStartArgs(argv, '/p')).toThrow(message);
  });
});
