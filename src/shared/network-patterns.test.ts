import { describe, expect, it } from 'vitest';
import { parseHostPattern, parseTargetHost, patternMatches, targetText, type HostPattern, type HostTarget } from './network-patterns';

function pattern(text: string): HostPattern {
  const parsed = parseHostPattern(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function target(host: string): HostTarget {
  const parsed = parseTargetHost(host);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

describe('host patterns', () => {
  it.each([
    ['api.anthropic.com:443', 'api.anthropic.com:443', [443]],
    ['API.Anthropic.COM:443', 'api.anthropic.com:443', [443]],
    ['api.anthropic.com.:443', 'api.anthropic.com:443', [443]],
    ['*.github.com:443', '*.github.com:443', [443]],
    ['example.com', 'example.com', [80, 443]],
    ['example.com:*', 'example.com:*', 'any'],
    ['10.0.0.5:8080', '10.0.0.5:8080', [8080]],
    ['[2001:db8::1]:443', '[2001:db8::1]:443', [443]],
    ['[::1]', '[::1]', [80, 443]],
    ['bücher.example:443', 'xn--bcher-kva.example:443', [443]],
    ['*.bücher.example:443', '*.xn--bcher-kva.example:443', [443]],
    ['ｇｉｔｈｕｂ.com:443', 'github.com:443', [443]],
    ['_acme.example.com:443', '_acme.example.com:443', [443]],
  ])('%s reads as %s', (text, canonical, ports) => {
    const parsed = pattern(text);
    expect(parsed.text).toBe(canonical);
    expect(parsed.ports).toEqual(ports);
  });

  it.each([
    ['', /is empty/],
    ['*', /bare \* would allow every host/],
    ['*:443', /bare \*/],
    ['*.com:443', /whole top-level domain/],
    ['api*.github.com:443', /\* only as its whole first label/],
    ['a.*.github.com:443', /\* only as its whole first label/],
    ['*.*.github.com:443', /\* only as its whole first label/],
    ['*.10.0.0.1:443', /\* before an IP address/],
    ['10.0.0.0/8:443', /names a range/],
    ['example.com:0', /port "0" is not 1-65535/],
    ['example.com:65536', /port "65536"/],
    ['example.com:0443', /port "0443"/],
    ['example.com:', /port ""/],
    ['example.com:443,80', /port "443,80"/],
    ['2001:db8::1', /write it in brackets/],
    ['[2001:db8::1', /"\[" without "\]"/],
    ['[2001:db8::1]x', /text after "\]"/],
    ['0x7f.1:80', /write the address as 127\.0\.0\.1/],
    ['2130706433:80', /write the address as 127\.0\.0\.1/],
    ['[::ffff:10.0.0.1]:80', /write the address as 10\.0\.0\.1/],
    ['169.254.169.254:80', /metadata address, which no rule can open/],
    ['[fd00:ec2::254]:80', /metadata address/],
    ['0.0.0.0:80', /unspecified address/],
    ['224.0.0.1:80', /multicast/],
    ['1.2.3.4.5:80', /not a valid IP address/],
    ['example.123:80', /not a valid IP address/],
    ['exa mple.com:80', /white space/],
    ['exa/mple.com', /names a range/],
    ['ex@mple.com:80', /not a host name/],
    ['a..b:80', /not a host name/],
    [`${'a'.repeat(64)}.com:443`, /not a host name/],
    [`${'a.'.repeat(140)}com`, /longer than/],
  ])('%j is refused with a one-line reason', (text, reason) => {
    const parsed = parseHostPattern(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatch(reason);
    expect(parsed.error).not.toContain('\n');
  });
});

describe('destinations a bottle sends', () => {
  it.each([
    ['Example.COM', 'example.com:443'],
    ['example.com.', 'example.com:443'],
    ['0x7f.1', '127.0.0.1:443'],
    ['[::1]', '[::1]:443'],
    ['::ffff:127.0.0.1', '127.0.0.1:443'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example:443'],
  ])('%s is read as %s', (host, shown) => {
    expect(targetText(target(host), 443)).toBe(shown);
  });

  it.each([
    ['bücher.example', /printable ASCII/],
    ['example.com\r\nX-Injected: 1', /printable ASCII/],
    ['exa mple.com', /printable ASCII/],
    ['fe80::1%eth0', /zone id/],
    ['1.2.3.4.5', /not a valid IP address/],
    ['[not-an-ip]', /not a valid IP address/],
    ['example.com..', /not a host name/],
    ['', /is empty/],
    ['a'.repeat(300), /too long/],
    ['ex@mple.com', /not a host name/],
  ])('%j is refused: %s', (host, reason) => {
    const parsed = parseTargetHost(host);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(reason);
  });
});

describe('matching', () => {
  it.each<[string, string, number, boolean]>([
    ['api.anthropic.com:443', 'api.anthropic.com', 443, true],
    ['api.anthropic.com:443', 'API.ANTHROPIC.COM.', 443, true],
    ['api.anthropic.com:443', 'api.anthropic.com', 80, false],
    ['api.anthropic.com:443', 'xapi.anthropic.com', 443, false],
    ['api.anthropic.com:443', 'api.anthropic.com.evil.com', 443, false],
    ['*.github.com:443', 'api.github.com', 443, true],
    ['*.github.com:443', 'a.b.github.com', 443, true],
    ['*.github.com:443', 'github.com', 443, false],
    ['*.github.com:443', 'evil-github.com', 443, false],
    ['*.github.com:443', 'github.com.evil.com', 443, false],
    ['*.github.com:443', 'evilgithub.com', 443, false],
    ['example.com', 'example.com', 80, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'example.com', 22, false],
    ['example.com:*', 'example.com', 22, true],
    ['10.0.0.5:8080', '10.0.0.5', 8080, true],
    ['10.0.0.5:8080', '167772165', 8080, true],
    ['10.0.0.5:8080', '::ffff:10.0.0.5', 8080, true],
    ['10.0.0.5:8080', '10.0.0.6', 8080, false],
    ['[2001:db8::1]:443', '2001:DB8:0::1', 443, true],
    ['*.github.com:443', '10.0.0.5', 443, false],
  ])('%s against %s:%i: %s', (rule, host, port, expected) => {
    expect(patternMatches(pattern(rule), target(host), port)).toBe(expected);
  });
});
