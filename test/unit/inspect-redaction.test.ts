import { describe, expect, it } from 'vitest';
import { envNamesOf, redactEnv } from '../../src/core/bottles/inspect-runtime';

describe('what Inspect keeps of an environment', () => {
  it('names only, in order; an entry without "=" is its own name', () => {
    expect(envNamesOf(['A=1', 'B=x=y', 'PASS_ON', 'EMPTY='])).toEqual(['A', 'B', 'PASS_ON', 'EMPTY']);
    expect(envNamesOf(undefined)).toEqual([]);
  });

  it('every Env list at any depth is cut to NAME=…, and nothing else changes', () => {
    const engine = {
      Id: 'abc',
      Config: { Env: ['TOKEN=sk-live-1', 'PLAIN=a=b', 'BARE'], Cmd: ['sh'] },
      Later: [{ Spec: { Env: ['DEEP=hunter2', 42] } }],
      Labels: { Env: 'a label named Env is a string, kept' },
    };
    const redacted = redactEnv(engine);
    expect(redacted).toEqual({
      Id: 'abc',
      Config: { Env: ['TOKEN=…', 'PLAIN=…', 'BARE=…'], Cmd: ['sh'] },
      Later: [{ Spec: { Env: ['DEEP=…', '…'] } }],
      Labels: { Env: 'a label named Env is a string, kept' },
    });
    expect(JSON.stringify(redacted)).not.toMatch(/sk-live-1|hunter2|a=b|42/);
    // The input is left as it was.
    expect(engine.Config.Env[0]).toBe('TOKEN=sk-live-1');
  });
});
