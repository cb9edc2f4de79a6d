/**
 * The gateway's policy adapter (src/gateway/gateway-policy.ts) over the shared module: the `rules`
 * line parsed into each bottle's NetworkRules (a bad pattern refuses the line), scope precedence,
 * `*.` patterns that never match a look-alike, exact-address rules for private targets, and the
 * operator's answers kept as rules of the bottle or of every bottle of its agent. Plus the
 * control-line reader.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseControlLine, readControlLines } from '../../src/gateway/control-channel';
import type { BottleEntry, BottleRules, ControlIn } from '../../src/gateway/control-protocol';
import { GatewayPolicy } from '../../src/gateway/gateway-policy';

const bottle: BottleEntry = { ip: '172.30.0.3', identity: 'b-1', mode: 'ask', agent: 'claude' };
const target = (host: string, port = 443): { host: string; port: number } => ({ host, port });

/** A `rules` line as the core sends it, parsed as the gateway parses it. */
function rulesLine(rules: unknown[]): BottleRules[] {
  const parsed = parseControlLine(JSON.stringify({ type: 'rules', rules }));
  if ('error' in parsed) throw new Error(parsed.error);
  if (parsed.message.type !== 'rules') throw new Error('not a rules message');
  return parsed.message.rules;
}

function policyWith(rules: Array<[string, string, string]>, identity = 'b-1'): GatewayPolicy {
  const policy = new GatewayPolicy();
  policy.setRules(rulesLine([{ identity, rules: rules.map(([scope, effect, pattern]) => ({ scope, effect, pattern })) }]));
  return policy;
}

describe('the rules line', () => {
  it('parses each pattern into the shared form, in its canonical text', () => {
    const [entry] = rulesLine([{ identity: 'b-1', rules: [{ scope: 'operator', effect: 'allow', pattern: 'API.Example.COM.:443' }] }]);
    expect(entry?.rules[0]).toMatchObject({ scope: 'operator', effect: 'allow', pattern: { text: 'api.example.com:443', ports: [443] } });
  });

  it.each([
    [{ scope: 'operator', effect: 'allow', pattern: '*' }, /rules\.0\.rules\.0\.pattern: .*open mode/],
    [{ scope: 'operator', effect: 'allow', pattern: '10.0.0.0/8:22' }, /names a range/],
    [{ scope: 'operator', effect: 'allow', pattern: '169.254.169.254:80' }, /metadata address, which no rule can open/],
    [{ scope: 'definition', effect: 'deny', pattern: 'example.com:443' }, /an agent definition only lists what it needs/],
    [{ scope: 'definition', effect: 'allow', pattern: '127.0.0.1:80' }, /cannot open a loopback address/],
    [{ scope: 'session', effect: 'allow', pattern: 'example.com:443' }, /rules\.0\.rules\.0\.scope/],
    [{ scope: 'operator', effect: 'allow', pattern: 'example.com:443', extra: 1 }, /control line refused/],
  ])('refuses %j with one line', (rule, error) => {
    const parsed = parseControlLine(JSON.stringify({ type: 'rules', rules: [{ identity: 'b-1', rules: [rule] }] }));
    expect('error' in parsed ? parsed.error : '').toMatch(error);
  });

  it('caps the rules of one bottle', () => {
    const rules = Array.from({ length: 4001 }, (_, index) => ({ scope: 'operator', effect: 'allow', pattern: `h${index}.example:443` }));
    const parsed = parseControlLine(JSON.stringify({ type: 'rules', rules: [{ identity: 'b-1', rules }] }));
    expect('error' in parsed ? parsed.error : '').toMatch(/rules\.0\.rules/);
  });
});

describe('GatewayPolicy', () => {
  it('follows the mode when no rule matches', () => {
    const policy = new GatewayPolicy();
    expect(policy.decide(bottle, target('example.com')).verdict).toBe('ask');
    expect(policy.decide({ ...bottle, mode: 'locked' }, target('example.com')).verdict).toBe('deny');
    expect(policy.decide({ ...bottle, mode: 'open' }, target('example.com')).verdict).toBe('allow');
  });

  it('matches case-insensitively and trailing-dot safe, on the port given, for the bottle the rules are pushed for', () => {
    const policy = policyWith([
      ['operator', 'allow', 'API.Example.COM.:443'],
      ['agent', 'allow', '*.agent.example:*'],
    ]);
    expect(policy.decide(bottle, target('api.example.com'))).toMatchObject({ verdict: 'allow', by: 'rule' });
    expect(policy.decide(bottle, target('API.example.com.'))).toMatchObject({ verdict: 'allow', by: 'rule' });
    expect(policy.decide(bottle, target('api.example.com', 80)).verdict).toBe('ask');
    expect(policy.decide(bottle, target('x.agent.example', 22)).verdict).toBe('allow');
    expect(policy.decide({ ...bottle, identity: 'b-2' }, target('api.example.com')).verdict).toBe('ask');
  });

  it.each([
    ['api.github.com', 'allow'],
    ['a.b.github.com', 'allow'],
    ['github.com', 'ask'],
    ['evil-github.com', 'ask'],
    ['github.com.evil.example', 'ask'],
  ])('*.github.com:443 ~ %s: %s', (host, verdict) => {
    expect(policyWith([['definition', 'allow', '*.github.com:443']]).decide(bottle, target(host)).verdict).toBe(verdict);
  });

  it("lets a bottle's rule beat an all-bottles one, an operator's deny beat the definition's allow, and deny beat allow in one scope", () => {
    const policy = policyWith([
      ['operator', 'allow', 'example.com:443'],
      ['bottle', 'deny', 'example.com:443'],
      ['definition', 'allow', 'api.anthropic.com:443'],
      ['operator', 'deny', 'api.anthropic.com:443'],
      ['agent', 'allow', 'both.example:443'],
      ['agent', 'deny', 'both.example:443'],
    ]);
    expect(policy.decide(bottle, target('example.com'))).toMatchObject({ verdict: 'deny', rule: { scope: 'bottle' } });
    expect(policy.decide(bottle, target('api.anthropic.com'))).toMatchObject({
      verdict: 'deny',
      reason: "denied by rule api.anthropic.com:443 (the operator's rules for all bottles)",
    });
    expect(policy.decide(bottle, target('both.example')).verdict).toBe('deny');
  });

  it('dials a special address only when an operator rule names it exactly (any spelling of the rule)', () => {
    const policy = policyWith([
      ['operator', 'allow', '10.1.2.3:5432'],
      ['bottle', 'allow', '127.0.0.1:80'],
      ['operator', 'allow', '*.internal.example:*'],
    ]);
    expect(policy.mayDial(bottle, '10.1.2.3', 5432).ok).toBe(true);
    expect(policy.mayDial(bottle, '10.1.2.3', 5433).ok).toBe(false);
    expect(policy.mayDial(bottle, '10.1.2.4', 5432).ok).toBe(false);
    expect(policy.mayDial(bottle, '::ffff:7f00:1', 80)).toMatchObject({ ok: true, value: { text: '127.0.0.1', family: 4 } });
    // A name pattern never lets a private address through, whatever the name resolves to.
    expect(policy.mayDial(bottle, '10.9.9.9', 443).ok).toBe(false);
    // A private target asked for by address is refused before any dial unless such a rule names it.
    expect(policy.decide({ ...bottle, mode: 'open' }, target('10.1.2.3', 5432)).verdict).toBe('allow');
    expect(policy.decide({ ...bottle, mode: 'open' }, target('10.1.2.4', 5432))).toMatchObject({ verdict: 'deny', by: 'guard' });
  });

  it("keeps an answer as a rule of the bottle, or of every bottle of its agent, until the core's next push", () => {
    const policy = new GatewayPolicy();
    const sibling: BottleEntry = { ...bottle, ip: '172.30.0.11', identity: 'b-2' };
    const stranger: BottleEntry = { ...bottle, ip: '172.30.0.19', identity: 'b-3', agent: 'other' };
    const table = [bottle, sibling, stranger];
    expect(policy.addAnswer(bottle, table, 'bottle', 'allow', target('one.example')).ok).toBe(true);
    expect(policy.decide(bottle, target('one.example'))).toMatchObject({ verdict: 'allow', rule: { scope: 'bottle' } });
    expect(policy.decide(sibling, target('one.example')).verdict).toBe('ask');
    policy.addAnswer(bottle, table, 'agent', 'deny', target('2001:4860::8888', 443));
    expect(policy.decide(sibling, target('[2001:4860::8888]'))).toMatchObject({
      verdict: 'deny',
      rule: { scope: 'agent', pattern: '[2001:4860::8888]:443' },
    });
    expect(policy.decide(stranger, target('[2001:4860::8888]')).verdict).toBe('ask');
    policy.setRules([]);
    expect(policy.decide(bottle, target('one.example')).verdict).toBe('ask');
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
