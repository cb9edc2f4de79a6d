import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/app-events';
import { ClientSession, type SessionParts } from './client-session';

/** Parts that record what the session asks of them; their streams' sinks are kept to push events. */
function recordingParts(): { parts: SessionParts; calls: unknown[][]; sinks: Map<string, (event: AppEvent) => void> } {
  const calls: unknown[][] = [];
  const sinks = new Map<string, (event: AppEvent) => void>();
  let next = 1;
  const parts: SessionParts = {
    terminals: {
      open: async (identity, _cols, _rows, to) => {
        const sessionId = `t-${next++}`;
        if (to !== undefined) sinks.set(sessionId, to);
        return { sessionId };
      },
      openShell: async (identity, _cols, _rows, to) => {
        const sessionId = `t-${next++}`;
        if (to !== undefined) sinks.set(sessionId, to);
        return { sessionId };
      },
      openFlow: async (_flow, _cols, _rows, to) => {
        const sessionId = `t-${next++}`;
        if (to !== undefined) sinks.set(sessionId, to);
        return { sessionId };
      },
      input: async (...args) => void calls.push(['terminal:input', ...args]),
      resize: async (...args) => void calls.push(['terminal:resize', ...args]),
      close: async (sessionId) => void calls.push(['terminal:close', sessionId]),
    },
    logs: {
      open: async (request, to) => {
        if (request.identity === 'bad') throw new Error('no');
        const streamId = `l-${next++}`;
        if (to !== undefined) sinks.set(streamId, to);
        return { streamId };
      },
      close: (streamId) => void calls.push(['logs:close', streamId]),
    },
    stats: {
      watch: (request) => ({ subscriptionId: request.subscriptionId ?? 's-1', history: [] }),
      unwatch: (subscriptionId) => void calls.push(['stats:unwatch', subscriptionId]),
    },
    signIn: async () => 'signed in',
    changes: {
      watch: async (identity, holder) => (calls.push(['changes:watch', identity, holder]), { identity } as never),
      unwatch: async (identity, holder) => void calls.push(['changes:unwatch', identity, holder]),
    },
  };
  return { parts, calls, sinks };
}

describe('a client session', () => {
  it('closes what the client opened and did not close itself, once', async () => {
    const { parts, calls } = recordingParts();
    const session = new ClientSession(parts, () => undefined);
    await session.openTerminal('agent', 'a-aaaaa', 80, 24);
    await session.openTerminal('shell', 'a-aaaaa', 80, 24);
    await session.openLogs({ identity: 'a-aaaaa', tail: 10, follow: true });
    await expect(session.openLogs({ identity: 'bad', tail: 10, follow: true })).rejects.toThrow('no');
    session.watchStats({ subscriptionId: null, identities: [] });
    session.watchStats({ subscriptionId: 's-1', identities: ['a-aaaaa'] });
    await session.watchChanges('a-aaaaa');
    await session.closeTerminal('t-1');
    expect(session.size).toBe(4);
    calls.length = 0;
    await session.dispose();
    await session.dispose();
    expect(calls).toEqual([
      ['changes:unwatch', 'a-aaaaa', session.id],
      ['stats:unwatch', 's-1'],
      ['logs:close', 'l-3'],
      ['terminal:close', 't-2'],
    ]);
    expect(session.size).toBe(0);
  });

  it('receives the broadcast events and those of what it opened, nothing of another client', async () => {
    const { parts, sinks } = recordingParts();
    const seenA: AppEvent[] = [];
    const seenB: AppEvent[] = [];
    const a = new ClientSession(parts, (event) => seenA.push(event));
    const b = new ClientSession(parts, (event) => seenB.push(event));
    const { sessionId } = await a.openTerminal('agent', 'a-aaaaa', 80, 24);
    a.watchStats({ subscriptionId: null, identities: ['a-aaaaa'] });
    await a.watchChanges('a-aaaaa');
    sinks.get(sessionId)?.({ type: 'terminal-data', sessionId, data: 'secret' });
    const broadcast: AppEvent = { type: 'notice', level: 'info', message: 'hello' };
    const sample = { identity: 'a-aaaaa', at: 1, cpuPercent: 1, memoryBytes: 1, memoryLimitBytes: null };
    const other = { ...sample, identity: 'b-bbbbb' };
    for (const event of [
      broadcast,
      { type: 'stats', samples: [sample, other] },
      { type: 'changes-updated', identity: 'a-aaaaa', revision: 2 },
    ] as AppEvent[]) {
      a.deliver(event);
      b.deliver(event);
    }
    expect(seenA).toEqual([
      { type: 'terminal-data', sessionId, data: 'secret' },
      broadcast,
      { type: 'stats', samples: [sample] },
      { type: 'changes-updated', identity: 'a-aaaaa', revision: 2 },
    ]);
    expect(seenB).toEqual([broadcast]);
    // Another client's terminal cannot be typed into or closed from here.
    await expect(b.terminalInput(sessionId, 'rm -rf /\n')).rejects.toThrow(/closed/);
    await b.closeTerminal(sessionId);
    expect(a.size).toBe(3);
  });

  it('releases what an open finished after the client closed', async () => {
    const { parts, calls } = recordingParts();
    const session = new ClientSession(parts, () => undefined);
    const opening = session.openLogs({ identity: 'a-aaaaa', tail: 10, follow: true });
    await session.dispose();
    await opening;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['logs:close', 'l-1']]);
  });
});
