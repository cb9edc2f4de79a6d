import { describe, expect, it } from 'vitest';
import { isAbsolutePath, isAgentName, isPlainAgentName, isSafeName, projectAgentFolder, systemFolderProblem } from './rules';
import { absolutePathSchema, agentNameSchema, requestIdSchema } from './validation';

describe('the one set of rules for outside input', () => {
  it.each([
    ['req-1.json', true],
    ['a_b.C-9', true],
    ['.', false],
    ['..', false],
    ['.hidden', false],
    ['../x', false],
    ['a/b', false],
    ['', false],
    ['x'.repeat(129), false],
  ])('request id %j → %s, the same for the schema', (value, ok) => {
    expect(isSafeName(value)).toBe(ok);
    expect(requestIdSchema.safeParse(value).success).toBe(ok);
  });

  it.each([
    ['claude', true],
    ['My.Agent_2', true],
    ['-x', false],
    ['../claude', false],
    ['a b', false],
    ['project:claude', true],
    ['project:', false],
    ['project:../x', false],
    ['project:project:x', false],
    ['user:claude', false],
  ])('agent name %j → %s', (value, ok) => {
    expect(isAgentName(value)).toBe(ok);
    expect(agentNameSchema.safeParse(value).success).toBe(ok);
  });

  it('keeps project agents apart from plain names', () => {
    expect(projectAgentFolder('project:claude')).toBe('claude');
    expect(projectAgentFolder('claude')).toBeNull();
    expect(isPlainAgentName('project:claude')).toBe(false);
  });

  it.each([
    ['/', /root of the host/],
    ['//', /root of the host/],
    ['/tmp/..', /root of the host/],
    ['/etc', /system folder \/etc/],
    ['/etc/ssh', /system folder \/etc/],
    ['/usr/local/src/app', /system folder \/usr/],
    ['/proc/self/root', /system folder \/proc/],
    ['/sys', /system folder/],
    ['/dev/shm', /system folder/],
    ['/boot', /system folder/],
    ['/run/user/1000', /system folder \/run/],
    ['/bin', /system folder/],
    ['/lib64/x', /system folder \/lib64/],
    ['/libx32', /system folder/],
    ['/System/Library', /system folder/],
    ['/private/etc', /system folder/],
    ['/tmp', /shared folder \/tmp itself/],
    ['/tmp/', /shared folder \/tmp itself/],
    ['/home', /shared folder/],
    ['/var', /shared folder/],
    ['/opt', /shared folder/],
    ['/srv', /shared folder/],
    ['/mnt', /shared folder/],
    ['/media', /shared folder/],
    ['/Users', /shared folder/],
    ['C:\\', /root of a drive/],
    ['C:\\Windows\\System32', /system folder/],
    ['c:/Users', /every user/],
  ])('refuses %j', (path, reason) => {
    expect(systemFolderProblem(path)).toMatch(reason);
  });

  it.each([
    '/tmp/project',
    '/home/me/src/app',
    '/var/www/site',
    '/opt/work',
    '/Users/me/code',
    '/library-code',
    '/srv/git/repo',
    'D:\\work\\app',
  ])('allows %j', (path) => {
    expect(systemFolderProblem(path)).toBeNull();
  });

  it.each([
    ['/home/me/p', true],
    ['C:\\Users\\me', true],
    ['relative/p', false],
    ['', false],
    ['/with\0nul', false],
    [`/${'x'.repeat(4096)}`, false],
  ])('path %j → %s', (value, ok) => {
    expect(isAbsolutePath(value)).toBe(ok);
    expect(absolutePathSchema.safeParse(value).success).toBe(ok);
  });
});
