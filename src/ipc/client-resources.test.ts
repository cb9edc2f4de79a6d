import { describe, expect, it } from 'vitest';
import type { IpcResponse } from '../shared/ipc-contract';
import { trackClientResources } from './client-resources';

describe('what one client holds open', () => {
  it('closes what the client opened and did not close itself, once', async () => {
    const calls: [unknown, unknown][] = [];
    let next = 1;
    const answers: Record<string, () => unknown> = {
      'terminal:open': () => ({ sessionId: `t-${next++}` }),
      'shell:open': () => ({ sessionId: `t-${next++}` }),
      'logs:open': () => ({ streamId: `l-${next++}` }),
      'stats:watch': () => ({ subscriptionId: 's-1', history: [] }),
    };
    const resources = trackClientResources(async (channel, args): Promise<IpcResponse<unknown>> => {
      calls.push([channel, args]);
      if (channel === 'logs:open' && (args as { identity: string }[])[0]?.identity === 'bad') return { ok: false, error: { code: 'not-found', message: 'no' } };
      return { ok: true, data: answers[channel as string]?.() ?? null };
    });
    await resources.dispatch('terminal:open', [{ identity: 'a-aaaaa', cols: 80, rows: 24 }]);
    await resources.dispatch('shell:open', [{ identity: 'a-aaaaa', cols: 80, rows: 24 }]);
    await resources.dispatch('logs:open', [{ identity: 'a-aaaaa', tail: 10, follow: true }]);
    await resources.dispatch('logs:open', [{ identity: 'bad', tail: 10, follow: true }]);
    await resources.dispatch('stats:watch', [{ subscriptionId: null, identities: [] }]);
    await resources.dispatch('stats:watch', [{ subscriptionId: 's-1', identities: ['a-aaaaa'] }]);
    await resources.dispatch('terminal:close', ['t-1']);
    await resources.dispatch('bottles:list', []);
    expect(resources.size).toBe(3);
    calls.length = 0;
    resources.closeAll();
    resources.closeAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([
      ['terminal:close', ['t-2']],
      ['logs:close', ['l-3']],
      ['stats:unwatch', ['s-1']],
    ]);
    expect(resources.size).toBe(0);
  });
});
