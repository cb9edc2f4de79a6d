/**
 * Destinations and the host patterns rules are written in. A destination arrives from a hostile
 * bottle (a CONNECT target, a Host header): it is read exactly once here, into a name or an IP
 * address, and every later check sees that. Pure (no Node modules).
 *
 * Pattern syntax (agent.json `network.allow`, settings.json `network`, a bottle's network.json):
 *   api.anthropic.com:443     that name, that port
 *   *.github.com:443          any name below github.com (one label or more), never github.com itself
 *                             and never evil-github.com
 *   example.com               no port: the web ports, 80 and 443
 *   example.com:*             every port
 *   10.0.0.5:8080, [2001:db8::1]:443   one IP address, written canonically; never a range
 * Names are matched without regard to case and to one trailing dot; a name with non-ASCII letters
 * is stored as its punycode (xn--) form. A bare `*` is refused: the bottle's `open` mode says that.
 */
import { looksLikeIpLiteral, NEVER_DIALLED, parseIpLiteral, type IpAddress } from './network-address';

/** A destination's host, read once: a lower-case ASCII name without its trailing dot, or an address. */
export type HostTarget = { kind: 'name'; name: string } | { kind: 'ip'; address: IpAddress };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const MAX_HOST_CHARS = 253;
export const MAX_PATTERN_CHARS = 300;
/** A pattern without a port: plain HTTP and HTTPS. */
export const WEB_PORTS: readonly number[] = [80, 443];

const LABEL = /^[a-z0-9_-]{1,63}$/;

function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Why a lower-case ASCII name without trailing dot is no host name, or null. */
function nameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_HOST_CHARS) return `is longer than ${MAX_HOST_CHARS} characters`;
  if (!name.split('.').every((label) => LABEL.test(label))) return 'is not a host name (letters, digits, - and _ in dot-separated labels)';
  return null;
}

/**
 * A destination's host as the bottle sent it: an IP literal in any form (brackets optional for
 * IPv6), or a name. Non-ASCII is refused rather than normalised: clients send names as punycode,
 * so anything else is an attempt to be read two ways.
 */
export function parseTargetHost(host: string): Parsed<HostTarget> {
  if (host.length > MAX_HOST_CHARS + 2) return { ok: false, error: `host ${shown(host)} is too long` };
  if (/[^\x21-\x7e]/.test(host))
    return { ok: false, error: `host ${shown(host)} has characters other than printable ASCII (send names as punycode)` };
  if (host.includes('%')) return { ok: false, error: `host ${shown(host)} has a zone id: only plain addresses are dialled` };
  let text = host.toLowerCase();
  if (text.endsWith('.') && !text.endsWith('..')) text = text.slice(0, -1);
  const address = parseIpLiteral(text);
  if (address !== null) return { ok: true, value: { kind: 'ip', address } };
  if (looksLikeIpLiteral(text) || text.startsWith('[')) return { ok: false, error: `host ${shown(host)} is not a valid IP address` };
  const problem = nameProblem(text);
  return problem === null ? { ok: true, value: { kind: 'name', name: text } } : { ok: false, error: `host ${shown(host)} ${problem}` };
}

export type PatternHost = { kind: 'name'; name: string } | { kind: 'wildcard'; suffix: string } | { kind: 'ip'; address: IpAddress };

export interface HostPattern {
  /** Canonical text: what a rule is stored and shown as (`api.anthropic.com:443`). */
  text: string;
  host: PatternHost;
  /** `any`: every port; else the ports it allows (the web ports when the text named none). */
  ports: 'any' | readonly number[];
}

/** Splits `host[:port]`, with IPv6 in brackets; null port when none was written. */
function splitHostPort(text: string): Parsed<{ host: string; port: string | null }> {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, error: 'has "[" without "]"' };
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, error: 'has text after "]" that is no ":port"' };
    return { ok: true, value: { host: text.slice(0, close + 1), port: rest === '' ? null : rest.slice(1) } };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) return { ok: false, error: 'looks like an IPv6 address: write it in brackets, e.g. [2001:db8::1]:443' };
  const colon = text.lastIndexOf(':');
  return { ok: true, value: colon < 0 ? { host: text, port: null } : { host: text.slice(0, colon), port: text.slice(colon + 1) } };
}

function parsePorts(port: string | null): Parsed<'any' | readonly number[]> {
  if (port === null) return { ok: true, value: WEB_PORTS };
  if (port === '*') return { ok: true, value: 'any' };
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) return { ok: false, error: `port ${shown(port)} is not 1-65535 or *` };
  return { ok: true, value: [Number(port)] };
}

/** A name as written by a person: lower case, one trailing dot dropped, non-ASCII to punycode. */
function normaliseName(name: string): string {
  let text = name.toLowerCase();
  if (/[^\x21-\x7e]/.test(text)) {
    try {
      // The URL standard's host parser applies IDNA (UTS 46): the punycode a client would send.
      text = new URL(`http://${text}/`).hostname;
    } catch (error: unknown) {
      // A name IDNA refuses stays as written, and nameProblem below refuses its non-ASCII letters.
      if (!(error instanceof TypeError)) throw error;
    }
  }
  return text.endsWith('.') && !text.endsWith('..') ? text.slice(0, -1) : text;
}

function parsePatternHost(host: string): Parsed<PatternHost> {
  if (host === '*' || host === '*.') return { ok: false, error: 'a bare * would allow every host: run the bottle in open mode instead' };
  if (host.includes('/')) return { ok: false, error: 'names a range: a rule names one address or host' };
  if (host.startsWith('*.')) {
    const suffix = normaliseName(host.slice(2));
    if (suffix.includes('*')) return { ok: false, error: 'may have * only as its whole first label (*.example.com)' };
    if (parseIpLiteral(suffix) !== null || looksLikeIpLiteral(suffix)) return { ok: false, error: 'puts * before an IP address' };
    const problem = nameProblem(suffix);
    if (problem !== null) return { ok: false, error: `host ${problem}` };
    if (!suffix.includes('.')) return { ok: false, error: `*.${suffix} would match a whole top-level domain` };
    return { ok: true, value: { kind: 'wildcard', suffix } };
  }
  if (host.includes('*')) return { ok: false, error: 'may have * only as its whole first label (*.example.com)' };
  // Normalised first, so a name IDNA maps onto an address (full-width digits) is read as that address.
  const normal = host.startsWith('[') ? host.toLowerCase() : normaliseName(host);
  const inner = normal.startsWith('[') && normal.endsWith(']') ? normal.slice(1, -1) : normal;
  const address = parseIpLiteral(inner);
  if (address !== null) {
    if (address.text !== inner) return { ok: false, error: `write the address as ${address.text}` };
    if (NEVER_DIALLED.has(address.range))
      return { ok: false, error: `${address.text} is a ${address.range} address, which no rule can open` };
    return { ok: true, value: { kind: 'ip', address } };
  }
  if (normal.startsWith('[') || looksLikeIpLiteral(normal)) return { ok: false, error: 'is not a valid IP address' };
  const problem = nameProblem(normal);
  return problem === null ? { ok: true, value: { kind: 'name', name: normal } } : { ok: false, error: `host ${problem}` };
}

function patternText(host: PatternHost, ports: HostPattern['ports'], portWritten: boolean): string {
  const hostText =
    host.kind === 'wildcard'
      ? `*.${host.suffix}`
      : host.kind === 'name'
        ? host.name
        : host.address.family === 6
          ? `[${host.address.text}]`
          : host.address.text;
  if (!portWritten) return hostText;
  return `${hostText}:${ports === 'any' ? '*' : ports.join(',')}`;
}

/** A rule's host pattern, or a one-line error naming it and what is wrong. */
export function parseHostPattern(text: string): Parsed<HostPattern> {
  const fail = (error: string): Parsed<HostPattern> => ({ ok: false, error: `${shown(text)}: ${error}` });
  if (text.length === 0) return fail('is empty');
  if (text.length > MAX_PATTERN_CHARS) return fail(`is longer than ${MAX_PATTERN_CHARS} characters`);
  if (/\s/.test(text)) return fail('has white space');
  const split = splitHostPort(text);
  if (!split.ok) return fail(split.error);
  const ports = parsePorts(split.value.port);
  if (!ports.ok) return fail(ports.error);
  const host = parsePatternHost(split.value.host);
  if (!host.ok) return fail(host.error);
  return {
    ok: true,
    value: { text: patternText(host.value, ports.value, split.value.port !== null), host: host.value, ports: ports.value },
  };
}

/** True when the pattern names this destination: its host (exactly, or below a wildcard) and port. */
export function patternMatches(pattern: HostPattern, target: HostTarget, port: number): boolean {
  if (pattern.ports !== 'any' && !pattern.ports.includes(port)) return false;
  const { host } = pattern;
  if (target.kind === 'ip') return host.kind === 'ip' && host.address.text === target.address.text;
  if (host.kind === 'name') return host.name === target.name;
  return host.kind === 'wildcard' && target.name.endsWith(`.${host.suffix}`);
}

/** A destination as the log and the operator read it: `example.com:443`, `[2001:db8::1]:443`. */
export function targetText(target: HostTarget, port: number): string {
  if (target.kind === 'name') return `${target.name}:${port}`;
  return target.address.family === 6 ? `[${target.address.text}]:${port}` : `${target.address.text}:${port}`;
}
