import { describe, expect, it } from 'vitest';
import { isAbsolutePath, isAgentName, isSafeName } from './rules';
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
  ])('agent name %j → %s', (value, ok) => {
    expect(isAgentName(value)).toBe(ok);
    expect(agentNameSchema.safeParse(value).success).toBe(ok);
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
