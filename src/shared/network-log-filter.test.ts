import { describe, expect, it } from 'vitest';
import { filterNetworkLog, networkDestination, networkLogMatches } from './network-log-filter';
import type { NetworkLogEntry } from './network-view';

function entry(host: string, port: number, decision: 'allow' | 'deny'): NetworkLogEntry {
  return {
    time: '2026-12-03T14:00:00.000Z',
    event: decision === 'allow' ? 'end' : 'refused',
    host,
    port,
    protocol: 'connect',
    decision,
    by: decision === 'allow' ? 'rule' : 'mode',
    reason: decision === 'allow' ? null : `${host} is not allowed`,
    bytesUp: 10,
    bytesDown: 20,
  };
}

const LOG = [entry('api.anthropic.com', 443, 'allow'), entry('Example.COM', 80, 'deny'), entry('2001:db8::1', 8443, 'deny')];

describe('the Network tab filter', () => {
  it('lets everything through, as the same array, when blank and on All', () => {
    expect(filterNetworkLog(LOG, { text: '', decision: 'all' })).toBe(LOG);
    expect(filterNetworkLog(LOG, { text: '   ', decision: 'all' })).toBe(LOG);
  });

  it('finds the text in host:port whatever its case, trimmed', () => {
    expect(filterNetworkLog(LOG, { text: ' example.com ', decision: 'all' }).map((row) => row.host)).toEqual(['Example.COM']);
    expect(filterNetworkLog(LOG, { text: ':443', decision: 'all' }).map((row) => row.host)).toEqual(['api.anthropic.com']);
    expect(filterNetworkLog(LOG, { text: 'ANTHROPIC.com:4', decision: 'all' })).toHaveLength(1);
    expect(filterNetworkLog(LOG, { text: 'nowhere', decision: 'all' })).toEqual([]);
  });

  it('matches a port against an IPv6 host only after its brackets', () => {
    expect(networkDestination(LOG[2] as NetworkLogEntry)).toBe('[2001:db8::1]:8443');
    expect(networkLogMatches(LOG[2] as NetworkLogEntry, { text: '::1]:8443', decision: 'all' })).toBe(true);
    expect(networkLogMatches(LOG[2] as NetworkLogEntry, { text: '::1:8443', decision: 'all' })).toBe(false);
  });

  it('keeps one decision, and combines it with the text', () => {
    expect(filterNetworkLog(LOG, { text: '', decision: 'allow' }).map((row) => row.host)).toEqual(['api.anthropic.com']);
    expect(filterNetworkLog(LOG, { text: '', decision: 'deny' }).map((row) => row.host)).toEqual(['Example.COM', '2001:db8::1']);
    expect(filterNetworkLog(LOG, { text: 'example', decision: 'allow' })).toEqual([]);
    expect(filterNetworkLog(LOG, { text: 'example', decision: 'deny' })).toHaveLength(1);
  });
});
