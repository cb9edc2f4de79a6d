import { describe, expect, it } from 'vitest';
import type { BottleNetworkPolicy } from '../../src/core/bottles/bottle-network-policy';
import { answerPattern, bottlesMessage, rulesMessage, type GatewayBottle } from '../../src/core/services/gateway-tables';
import { collectRules, parseHostPattern } from '../../src/shared/network-policy';

function policy(identity: string, mode: BottleNetworkPolicy['mode'], texts: Parameters<typeof collectRules>[0]): BottleNetworkPolicy {
  const { rules, errors } = collectRules(texts);
  expect(errors).toEqual([]);
  return { identity, mode, rules };
}

const one: GatewayBottle = {
  ip: '10.213.0.3',
  agent: 'claude',
  policy: policy('claude-aaaaa', 'ask', {
    bottle: { allow: ['Example.COM:8443'], deny: [] },
    operator: { allow: [], deny: ['*.evil.example'] },
    definition: { allow: ['api.anthropic.com:443'] },
  }),
  credentialSet: null,
  injections: [],
};
const two: GatewayBottle = {
  ip: '10.213.0.11',
  agent: 'project:dev',
  policy: policy('dev-bbbbb', 'locked', {}),
  credentialSet: null,
  injections: [],
};

describe('the tables the core pushes to the gateway', () => {
  it('names each bottle by its address, with its mode and agent', () => {
    expect(bottlesMessage([one, two])).toEqual({
      type: 'bottles',
      bottles: [
        { ip: '10.213.0.3', identity: 'claude-aaaaa', mode: 'ask', agent: 'claude' },
        { ip: '10.213.0.11', identity: 'dev-bbbbb', mode: 'locked', agent: 'project:dev' },
      ],
    });
  });

  it("keeps one bottle per address: a second claim on an address cannot take over the first bottle's connections", () => {
    const impostor: GatewayBottle = { ...two, ip: one.ip, policy: { ...two.policy, mode: 'open' } };
    expect(bottlesMessage([one, impostor]).bottles).toEqual([{ ip: '10.213.0.3', identity: 'claude-aaaaa', mode: 'ask', agent: 'claude' }]);
  });

  it('gives every bottle its rules from all scopes, as canonical pattern texts with their scope and effect', () => {
    const message = rulesMessage([one, two]);
    expect(message.type).toBe('rules');
    expect(message.rules).toHaveLength(2);
    const first = message.rules[0];
    expect(first?.identity).toBe('claude-aaaaa');
    expect(first?.rules).toEqual(
      expect.arrayContaining([
        { scope: 'bottle', effect: 'allow', pattern: 'example.com:8443' },
        { scope: 'operator', effect: 'deny', pattern: '*.evil.example' },
        { scope: 'definition', effect: 'allow', pattern: 'api.anthropic.com:443' },
      ]),
    );
    expect(first?.rules).toHaveLength(3);
    // A bottle with no rules is still listed, so the gateway replaces whatever it had for it.
    expect(message.rules[1]).toEqual({ identity: 'dev-bbbbb', rules: [] });
  });

  it('answers for exactly the host and port that were held, as a pattern the rules accept', () => {
    for (const [host, port, text] of [
      ['example.com', 443, 'example.com:443'],
      ['10.0.0.7', 8080, '10.0.0.7:8080'],
      ['2001:db8::1', 443, '[2001:db8::1]:443'],
    ] as const) {
      expect(answerPattern(host, port)).toBe(text);
      const parsed = parseHostPattern(answerPattern(host, port));
      expect(parsed.ok).toBe(true);
    }
  });
});
