import { describe, expect, it } from 'vitest';
import {
  allowCommand,
  collectRules,
  decideNetwork,
  isNetworkMode,
  mayDial,
  parseRuleList,
  type NetworkMode,
  type NetworkRule,
  type ScopedRuleTexts,
} from './network-policy';

const CLAUDE = ['api.anthropic.com:443', 'platform.claude.com:443', 'http-intake.logs.us5.datadoghq.com:443'];

function rules(texts: ScopedRuleTexts): NetworkRule[] {
  const collected = collectRules(texts);
  expect(collected.errors).toEqual([]);
  return collected.rules;
}

const claudeOnly = rules({ definition: { allow: CLAUDE } });

describe('modes', () => {
  it('are ask, locked and open; nothing else', () => {
    expect(['ask', 'locked', 'open'].every(isNetworkMode)).toBe(true);
    expect(['', 'ASK', 'none', null, 1, 'allow'].some(isNetworkMode)).toBe(false);
  });

  it.each<[NetworkMode, string, number, string, string]>([
    ['ask', 'api.anthropic.com', 443, 'allow', 'rule'],
    ['locked', 'api.anthropic.com', 443, 'allow', 'rule'],
    ['open', 'api.anthropic.com', 443, 'allow', 'rule'],
    ['ask', 'example.com', 443, 'ask', 'mode'],
    ['locked', 'example.com', 443, 'deny', 'mode'],
    ['open', 'example.com', 443, 'allow', 'mode'],
    ['ask', 'api.anthropic.com', 80, 'ask', 'mode'],
    ['locked', 'api.anthropic.com', 22, 'deny', 'mode'],
    ['ask', '8.8.8.8', 53, 'ask', 'mode'],
    ['open', '8.8.8.8', 53, 'allow', 'mode'],
  ])('%s: %s:%i is %s by %s', (mode, host, port, verdict, by) => {
    const decision = decideNetwork({ mode, rules: claudeOnly, target: { host, port } });
    expect(decision).toMatchObject({ verdict, by });
    expect(decision.reason).not.toContain('\n');
  });
});

describe('hostile destinations are refused in every mode, whatever the definition says', () => {
  const everything = rules({ definition: { allow: ['*.example.com:*', 'example.com:*'] } });
  it.each([
    ['127.0.0.1', 3128, /loopback address: only an operator's rule/],
    ['0x7f.1', 80, /^0x7f\.1 is 127\.0\.0\.1 \(a loopback address\) written another way: only 127\.0\.0\.1 is dialled$/],
    ['134744072', 443, /is 8\.8\.8\.8 \(a public address\) written another way/],
    ['010.8.8.8', 443, /is 8\.8\.8\.8 .* written another way/],
    ['8.8.8.010', 443, /is 8\.8\.8\.8 .* written another way/],
    ['127.1', 80, /written another way/],
    ['2130706433', 80, /loopback/],
    ['0177.0.0.1', 22, /loopback/],
    ['[::1]', 80, /\[::1\]:80 is a loopback/],
    ['::ffff:127.0.0.1', 80, /127\.0\.0\.1:80 is a loopback/],
    ['169.254.169.254', 80, /metadata address, never dialled/],
    ['0xa9fea9fe', 80, /metadata/],
    ['[::ffff:a9fe:a9fe]', 80, /metadata/],
    ['64:ff9b::a9fe:a9fe', 80, /metadata/],
    ['[fd00:ec2::254]', 80, /metadata/],
    ['168.63.129.16', 80, /metadata/],
    ['100.100.100.200', 80, /metadata/],
    ['0.0.0.0', 80, /unspecified/],
    ['0', 80, /unspecified/],
    ['[::]', 80, /unspecified/],
    ['255.255.255.255', 80, /broadcast/],
    ['224.0.0.251', 5353, /multicast/],
    ['10.213.0.3', 22, /private address/],
    ['172.17.0.1', 2375, /private address/],
    ['192.168.1.1', 80, /private address/],
    ['100.64.0.1', 80, /cgnat address/],
    ['169.254.0.1', 80, /link-local address/],
    ['[fe80::1]', 80, /link-local/],
    ['[fc00::1]', 80, /unique-local/],
    ['192.0.2.2', 18111, /reserved address/],
    ['example.com\r\nHost: evil', 443, /printable ASCII/],
    ['exämple.com', 443, /printable ASCII/],
    ['fe80::1%25eth0', 80, /zone id/],
    ['1.2.3.4.5', 80, /not a valid IP address/],
    ['example.com', 0, /port 0 is not 1-65535/],
    ['example.com', 65536, /port 65536/],
    ['example.com', 44.3, /port 44\.3/],
    ['', 443, /is empty/],
  ])('%j:%s is denied by the guard (%s)', (host, port, reason) => {
    for (const mode of ['ask', 'locked', 'open'] as const) {
      const decision = decideNetwork({ mode, rules: everything, target: { host, port }, once: [{ host, port }] });
      expect(decision).toMatchObject({ verdict: 'deny', by: 'guard', rule: null, once: null });
      expect(decision.reason).toMatch(reason);
    }
  });
});

describe('rules by scope', () => {
  it('the nearest scope with a matching rule decides; within a scope a deny beats an allow', () => {
    const scoped = rules({
      bottle: { allow: ['telemetry.example.com:443'] },
      agent: { deny: ['*.example.com:443'], allow: ['api.example.com:443', 'beta.example.com:443'] },
      operator: { deny: ['*.datadoghq.com:443'], allow: ['github.com:443'] },
      definition: { allow: CLAUDE },
    });
    const decide = (host: string, port = 443): ReturnType<typeof decideNetwork> =>
      decideNetwork({ mode: 'ask', rules: scoped, target: { host, port } });
    expect(decide('http-intake.logs.us5.datadoghq.com')).toMatchObject({
      verdict: 'deny',
      by: 'rule',
      rule: { scope: 'operator', effect: 'deny', pattern: '*.datadoghq.com:443' },
    });
    expect(decide('api.anthropic.com')).toMatchObject({ verdict: 'allow', rule: { scope: 'definition' } });
    expect(decide('api.example.com')).toMatchObject({ verdict: 'deny', rule: { scope: 'agent', pattern: '*.example.com:443' } });
    expect(decide('telemetry.example.com')).toMatchObject({ verdict: 'allow', rule: { scope: 'bottle' } });
    expect(decide('github.com').reason).toBe("allowed by rule github.com:443 (the operator's rules for all bottles)");
    expect(decide('gist.github.com')).toMatchObject({ verdict: 'ask', by: 'mode', rule: null });
  });

  it('a deny rule holds in open mode', () => {
    const denied = rules({ operator: { deny: ['tracker.example.com'] } });
    expect(decideNetwork({ mode: 'open', rules: denied, target: { host: 'tracker.example.com', port: 80 } })).toMatchObject({
      verdict: 'deny',
      by: 'rule',
    });
    expect(decideNetwork({ mode: 'open', rules: denied, target: { host: 'tracker.example.com', port: 22 } })).toMatchObject({
      verdict: 'allow',
      by: 'mode',
    });
  });

  it('only an operator rule naming the exact address opens an address outside public space', () => {
    const exact = rules({ bottle: { allow: ['10.0.0.5:8080', '127.0.0.1:18111'] } });
    expect(decideNetwork({ mode: 'locked', rules: exact, target: { host: '10.0.0.5', port: 8080 } }).verdict).toBe('allow');
    // The same address written another way is refused, even where its plain form is allowed.
    expect(decideNetwork({ mode: 'locked', rules: exact, target: { host: '167772165', port: 8080 } })).toMatchObject({
      verdict: 'deny',
      by: 'guard',
    });
    expect(decideNetwork({ mode: 'locked', rules: exact, target: { host: '10.0.0.5.', port: 8080 } }).verdict).toBe('allow');
    expect(decideNetwork({ mode: 'locked', rules: exact, target: { host: '127.0.0.1', port: 18111 } }).verdict).toBe('allow');
    expect(decideNetwork({ mode: 'open', rules: exact, target: { host: '10.0.0.5', port: 8081 } })).toMatchObject({
      verdict: 'deny',
      by: 'guard',
    });
    expect(decideNetwork({ mode: 'open', rules: exact, target: { host: '10.0.0.6', port: 8080 } })).toMatchObject({
      verdict: 'deny',
      by: 'guard',
    });
  });

  it('an agent definition may not deny, nor name an address outside public space', () => {
    expect(parseRuleList(['example.com'], 'definition', 'deny')).toMatchObject({ ok: false, error: /only lists what it needs/ });
    expect(parseRuleList(['api.example.com:443', '10.0.0.5:22'], 'definition', 'allow')).toEqual({
      ok: false,
      error: 'rule 2: 10.0.0.5:22: an agent definition cannot open a private address (the operator can, in settings.json)',
    });
    expect(parseRuleList(['10.0.0.5:22'], 'operator', 'allow').ok).toBe(true);
    expect(parseRuleList(['8.8.8.8:53'], 'definition', 'allow').ok).toBe(true);
    expect(parseRuleList(['ok.example.com', '*'], 'bottle', 'allow')).toMatchObject({ ok: false, error: /^rule 2: "\*": a bare \*/ });
    expect(parseRuleList(new Array<string>(501).fill('example.com'), 'bottle', 'allow')).toMatchObject({
      ok: false,
      error: /more than 500/,
    });
    expect(collectRules({ definition: { deny: ['x.example.com'] }, bottle: { allow: ['y.example.com'] } })).toMatchObject({
      rules: [{ scope: 'bottle' }],
      errors: ['the agent definition (deny): rule 1: an agent definition only lists what it needs (network.allow)'],
    });
  });
});

describe('one-shot allows', () => {
  it('let exactly that host and port through once, however the host is written', () => {
    const once = [{ host: 'Example.COM.', port: 443 }];
    expect(decideNetwork({ mode: 'locked', rules: [], once, target: { host: 'example.com', port: 443 } })).toMatchObject({
      verdict: 'allow',
      by: 'operator',
      once: once[0],
    });
    expect(decideNetwork({ mode: 'locked', rules: [], once, target: { host: 'example.com', port: 80 } }).verdict).toBe('deny');
    expect(decideNetwork({ mode: 'locked', rules: [], once, target: { host: 'www.example.com', port: 443 } }).verdict).toBe('deny');
  });

  it('never open an address outside public space', () => {
    const once = [{ host: '10.0.0.5', port: 80 }];
    expect(decideNetwork({ mode: 'ask', rules: [], once, target: { host: '10.0.0.5', port: 80 } })).toMatchObject({
      verdict: 'deny',
      by: 'guard',
    });
  });
});

describe('mayDial: the address a name resolved to (DNS rebinding)', () => {
  const operator = rules({ operator: { allow: ['intranet.example.com:443', '10.0.0.5:443'], deny: ['203.0.113.9:443'] } });
  it.each([
    ['93.184.215.14', 443, true, ''],
    ['2606:4700::6810:84e5', 443, true, ''],
    ['10.0.0.5', 443, true, ''],
    ['10.0.0.5', 80, false, /10\.0\.0\.5:80 is a private address/],
    ['10.0.0.6', 443, false, /private address/],
    ['127.0.0.1', 443, false, /loopback/],
    ['::1', 443, false, /loopback/],
    ['::ffff:127.0.0.1', 443, false, /loopback/],
    ['169.254.169.254', 443, false, /metadata address, never dialled/],
    ['203.0.113.9', 443, false, /denied by rule 203\.0\.113\.9:443/],
    ['172.18.0.1', 443, false, /private/],
    ['not-an-address', 443, false, /is not an IP address/],
    ['0x7f.1', 443, false, /"0x7f\.1" is not an IP address in plain form/],
    ['134744072', 443, false, /not an IP address in plain form/],
  ])('%s:%i may be dialled: %s', (address, port, ok, reason) => {
    const result = mayDial(address, port, operator);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('a name that passes still has its addresses checked: localhost and internal names reach nothing', () => {
    const resolved: [string, string][] = [
      ['localhost', '127.0.0.1'],
      ['metadata.google.internal', '169.254.169.254'],
      ['rebind.example.com', '10.213.0.3'],
    ];
    for (const [host, address] of resolved) {
      expect(decideNetwork({ mode: 'open', rules: [], target: { host, port: 80 } }).verdict).toBe('allow');
      expect(mayDial(address, 80, []).ok).toBe(false);
    }
  });

  it('an agent definition that names an address cannot open a private one by DNS', () => {
    expect(mayDial('10.0.0.5', 443, rules({ definition: { allow: ['intranet.example.com:443'] } })).ok).toBe(false);
  });
});

describe('the refusal names how to allow', () => {
  it('with the canonical destination', () => {
    expect(allowCommand('dev-a4f8c', { host: 'Example.com.', port: 443 })).toBe('claude-bottle allow dev-a4f8c example.com:443');
    expect(allowCommand('dev-a4f8c', { host: '::1', port: 22 })).toBe('claude-bottle allow dev-a4f8c [::1]:22');
    expect(allowCommand('dev-a4f8c', { host: 'example.com\u001b[2J', port: 443 })).toBeNull();
    expect(allowCommand('dev-a4f8c', { host: 'example.com', port: 0 })).toBeNull();
    expect(allowCommand('dev-a4f8c', { host: '169.254.169.254', port: 80 })).toBeNull();
    expect(allowCommand('dev-a4f8c', { host: '224.0.0.1', port: 80 })).toBeNull();
  });
});
