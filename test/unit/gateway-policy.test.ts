/**
 * The gateway's table-driven policy and its control-line reader: scoping and precedence of rules,
 * host patterns that never match a look-alike, exact-address rules for private targets, and lines
 * split across chunks or over the cap.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readControlLines } from '../../src/gateway/control-channel';
import type { BottleEntry, ControlIn } from '../../src/gateway/control-protocol';
import { hostMatches, TableGatewayPolicy } from '../../src/gateway/gateway-policy';

const bottle: BottleEntry = { ip: '172.30.0.3', identity: 'b-1', mode: 'ask', agent: 'claude' };
const target = (host: string, port = 443): { host: string; port: number; protocol: 'connect' } => ({ host, port, protocol: 'connect' });

describe('hostMatches', () => {
  it.each([
    ['*.github.com', 'api.github.com', true],
    ['*.github.com', 'a.b.github.com', true],
    ['*.github.com', 'github.com', false],
    ['*.github.com', 'evil-github.com', false],
    ['*.github.com', 'github.com.evil.example', false],
    ['example.com', 'example.com', true],
    ['example.com', 'www.example.com', false],
  ])('%s ~ %s: %s', (pattern, host, expected) => {
    expect(hostMatches(pattern, host)).toBe(expected);
  });
});

describe('TableGatewayPolicy', () => {
  it('follows the mode when no rule matches', () => {
    const policy = new TableGatewayPolicy();
    expect(policy.decide(bottle, target('example.com')).verdict).toBe('ask');
    expect(policy.decide({ ...bottle, mode: 'locked' }, target('example.com')).verdict).toBe('deny');
    expect(policy.decide({ ...bottle, mode: 'open' }, target('example.com')).verdict).toBe('allow');
  });

  it('matches case-insensitively and trailing-dot safe, on the port given, within the rule scope', () => {
    const policy = new TableGatewayPolicy();
    policy.setRules([
      { host: 'API.Example.COM.', port: 443, action: 'allow' },
      { host: '*.agent.example', port: '*', action: 'allow', agent: 'claude' },
      { host: 'mine.example', port: 443, action: 'allow', identity: 'b-2' },
    ]);
    expect(policy.decide(bottle, target('api.example.com'))).toMatchObject({ verdict: 'allow', by: 'rule' });
    expect(policy.decide(bottle, target('api.example.com', 80)).verdict).toBe('ask');
    expect(policy.decide(bottle, target('x.agent.example', 22)).verdict).toBe('allow');
    expect(policy.decide({ ...bottle, agent: 'other' }, target('x.agent.example')).verdict).toBe('ask');
    expect(policy.decide(bottle, target('mine.example')).verdict).toBe('ask');
  });

  it("lets a bottle's rule beat an all-bottles one, and deny beat allow at one level", () => {
    const policy = new TableGatewayPolicy();
    policy.setRules([
      { host: 'example.com', port: 443, action: 'allow' },
      { host: 'example.com', port: 443, action: 'deny', identity: 'b-1' },
      { host: 'both.example', port: 443, action: 'allow' },
      { host: 'both.example', port: 443, action: 'deny' },
    ]);
    expect(policy.decide(bottle, target('example.com')).verdict).toBe('deny');
    expect(policy.decide({ ...bottle, identity: 'b-2' }, target('example.com')).verdict).toBe('allow');
    expect(policy.decide(bottle, target('both.example')).verdict).toBe('deny');
  });

  it('dials a special address only when an allow rule names it exactly (any spelling of the rule)', () => {
    const policy = new TableGatewayPolicy();
    policy.setRules([
      { host: '10.1.2.3', port: 5432, action: 'allow' },
      { host: '[::FFFF:127.0.0.1]', port: 80, action: 'allow' },
      { host: '*.internal.example', port: '*', action: 'allow' },
    ]);
    expect(policy.mayDialSpecial(bottle, '10.1.2.3', 5432)).toBe(true);
    expect(policy.mayDialSpecial(bottle, '10.1.2.3', 5433)).toBe(false);
    expect(policy.mayDialSpecial(bottle, '10.1.2.4', 5432)).toBe(false);
    expect(policy.mayDialSpecial(bottle, '::ffff:7f00:1', 80)).toBe(true);
    // A name pattern never lets a private address through, whatever the name resolves to.
    expect(policy.mayDialSpecial(bottle, '10.9.9.9', 443)).toBe(false);
  });
});

describe('readControlLines', () => {
  it('joins lines split across chunks, skips blank lines and discards an over-long one whole', () => {
    const input = new PassThrough();
    const messages: ControlIn[] = [];
    const errors: string[] = [];
    readControlLines(
      input,
      (message) => messages.push(message),
      (error) => errors.push(error),
    );
    input.write('{"type":"pi');
    input.write('ng","nonce":"1"}\n\n');
    input.write(`{"type":"ping","nonce":"${'x'.repeat(700_000)}`);
    input.write(`${'y'.repeat(700_000)}"}\n{"type":"ping","nonce":"2"}\n`);
    expect(messages).toEqual([
      { type: 'ping', nonce: '1' },
      { type: 'ping', nonce: '2' },
    ]);
    expect(errors).toEqual([expect.stringContaining('longer than')]);
  });
});
