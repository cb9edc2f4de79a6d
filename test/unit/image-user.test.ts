import { describe, expect, it } from 'vitest';
import { parsePasswd, resolveExecUser } from '../../src/core/engine/container-user';
import { isRootUser } from '../../src/shared/dockerfile-lines';

/*
 * The uid a Docker `User` runs as, decided as the engine decides it (runc's user library on the
 * image's own /etc/passwd). Each case is a way a hostile image could make its user uid 0 while the
 * name reads otherwise; the expectations follow that library's code (github.com/moby/sys/user):
 * lines trimmed, fields split on ':', a uid field read with Go's Atoi and its error ignored, the
 * first match winning, the daemon keeping the low 32 bits.
 */

const uidOf = (user: string | null, passwd: string): number | null => resolveExecUser(user, parsePasswd(passwd))?.uid ?? null;
const BASE = 'root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/sh\n';

describe('the uid an image runs its user as', () => {
  it('reads name, uid, uid:gid and name:group as the engine does', () => {
    expect(resolveExecUser('agent', parsePasswd(BASE))).toEqual({ uid: 1000, gid: 1000, home: '/home/agent' });
    expect(resolveExecUser('agent:0', parsePasswd(BASE))).toEqual({ uid: 1000, gid: 0, home: '/home/agent' });
    expect(resolveExecUser('1000:1000', parsePasswd(BASE))).toEqual({ uid: 1000, gid: 1000, home: '/home/agent' });
    expect(resolveExecUser('agent:staff', parsePasswd(BASE))).toEqual({ uid: 1000, gid: 1000, home: '/home/agent' });
    // A uid with no passwd line runs as that uid.
    expect(uidOf('4242', BASE)).toBe(4242);
    // No user at all is root.
    expect(uidOf(null, BASE)).toBe(0);
    expect(uidOf('', BASE)).toBe(0);
  });

  it.each([
    ['00', BASE],
    ['+0', BASE],
    ['-0:agent', BASE],
    ['0000000000000000000000', BASE],
  ])('USER %s is uid 0', (user, passwd) => {
    expect(uidOf(user, passwd)).toBe(0);
    expect(isRootUser(user)).toBe(true);
  });

  it.each([
    ['a sed that gave the agent uid 0', 'root:x:0:0:root:/root:/bin/sh\nagent:x:0:1000:agent:/home/agent:/bin/sh\n'],
    ['a uid field spelled 00', 'agent:x:00:1000::/home/agent:/bin/sh\n'],
    ['a uid field that is not a number (read as 0)', 'agent:x:abc:1000::/home/agent:/bin/sh\n'],
    ['a uid in exponent form (not a number to the engine)', 'agent:x:1e3:1000::/home/agent:/bin/sh\n'],
    ['a line with no uid at all', 'agent\n'],
    ['a uid of 2^32 (its low 32 bits are 0)', 'agent:x:4294967296:1000::/home/agent:/bin/sh\n'],
    ['a uid past int64 below zero (clamped to -2^63, low bits 0)', 'agent:x:-99999999999999999999:1000::/home/agent:/bin/sh\n'],
    [
      'an indented root line before the real one (lines are trimmed; the first match wins)',
      '  agent:x:0:0::/root:/bin/sh\nagent:x:1000:1000::/home/agent:/bin/sh\n',
    ],
    ['a CRLF passwd', 'agent:x:0:0::/root:/bin/sh\r\n'],
  ])('the agent by name is uid 0 with %s', (_what, passwd) => {
    expect(uidOf('agent', passwd)).toBe(0);
  });

  it('a numeric user matches by uid, never by a name that looks like a number', () => {
    expect(uidOf('1000', '1000:x:0:0::/root:/bin/sh\nagent:x:1000:1000::/home/agent:/bin/sh\n')).toBe(1000);
    // A numeric user matching a line takes that line's uid as written, truncated like any other.
    expect(uidOf('4294967296', 'big:x:4294967296:0::/:/bin/sh\n')).toBe(0);
  });

  it('refuses what the engine refuses to run: a name the passwd lacks, a free uid out of range', () => {
    expect(resolveExecUser('ghost', parsePasswd(BASE))).toBeNull();
    expect(resolveExecUser('agent', [])).toBeNull();
    expect(resolveExecUser('-1', parsePasswd(BASE))).toBeNull();
    expect(resolveExecUser('4294967296', parsePasswd(BASE))).toBeNull();
    expect(uidOf('2147483647', BASE)).toBe(2147483647);
  });

  it('reads names exactly, not trimmed per field', () => {
    expect(uidOf('agent', 'agent :x:0:0::/root:/bin/sh\nagent:x:1000:1000::/home/agent:/bin/sh\n')).toBe(1000);
  });
});
