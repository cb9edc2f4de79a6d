import { describe, expect, it } from 'vitest';
import { IPC_CHANNEL_NAMES } from '../../src/shared/ipc-contract';
import { createIpcDispatcher, type IpcHandlers } from '../../src/ipc/dispatch';
import { BottleError } from '../../src/core/base/bottle-error';
import { EngineUnavailableError } from '../../src/core/engine/docker-client';
import { parseIdentity } from '../../src/shared/identity';

/** Handlers that record their calls: the dispatcher under test must stop bad input before them. */
function recordingHandlers(calls: string[]): IpcHandlers {
  const handlers = {} as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const channel of IPC_CHANNEL_NAMES) {
    handlers[channel] = async (...args: unknown[]) => {
      calls.push(`${channel} ${JSON.stringify(args)}`);
      return null;
    };
  }
  return handlers as unknown as IpcHandlers;
}

describe('IPC dispatcher', () => {
  it('passes validated arguments through and wraps results', async () => {
    const calls: string[] = [];
    const dispatch = createIpcDispatcher({ ...recordingHandlers(calls), 'bottles:list': async () => [] });
    expect(await dispatch('bottles:list', [])).toEqual({ ok: true, data: [] });
    expect(await dispatch('bottle:stop', ['dev-abcde'])).toEqual({ ok: true, data: null });
    expect(await dispatch('bottle:start', [{ agent: 'claude', cwd: '/home/me/project', copy: true }])).toEqual({ ok: true, data: null });
    expect(await dispatch('bottle:start', [{ agent: 'claude', cwd: '/p', copy: false, net: 'locked' }])).toEqual({ ok: true, data: null });
    expect(calls).toEqual([
      'bottle:stop ["dev-abcde"]',
      'bottle:start [{"agent":"claude","cwd":"/home/me/project","copy":true}]',
      'bottle:start [{"agent":"claude","cwd":"/p","copy":false,"net":"locked"}]',
    ]);
  });

  it.each([
    ['unknown channel', 'shell:exec', ['rm -rf /'], /unknown channel/],
    ['traversal identity', 'bottle:stop', ['../etc'], /invalid bottle identity/],
    ['identity with a slash', 'bottle:resume', ['a/b'], /invalid bottle identity/],
    ['65-character identity', 'bottle:resume', ['a'.repeat(65)], /bottle:resume/],
    ['missing argument', 'bottle:stop', [], /bottle:stop/],
    ['extra argument', 'bottle:stop', ['dev-abcde', 'x'], /bottle:stop/],
    ['relative cwd', 'bottle:start', [{ agent: 'claude', cwd: 'project', copy: false }], /absolute path/],
    ['unknown key', 'bottle:start', [{ agent: 'claude', cwd: '/p', copy: false, privileged: true }], /bottle:start/],
    ['agent name with a slash', 'bottle:start', [{ agent: '../x', cwd: '/p', copy: false }], /invalid agent name/],
    ['unknown network mode', 'bottle:start', [{ agent: 'claude', cwd: '/p', copy: false, net: 'wide' }], /bottle:start.*net/],
    ['request id with ../', 'bottle:approve', ['dev-abcde', { requestId: '../../x', resume: true }], /invalid request id/],
    ['non-array arguments', 'bottles:list', 'nope', /bottles:list/],
    ['oversized terminal', 'terminal:resize', ['t-1', 5000, 10], /terminal:resize/],
  ])('refuses %s before any handler runs', async (_name, channel, args, message) => {
    const calls: string[] = [];
    const response = await createIpcDispatcher(recordingHandlers(calls))(channel, args);
    expect(response).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(response.ok === false && response.error.message).toMatch(message);
    expect(calls).toEqual([]);
  });

  it('maps errors to codes with a one-line message', async () => {
    const dispatch = createIpcDispatcher({
      ...recordingHandlers([]),
      'bottle:stop': async () => {
        throw new BottleError('not-found', 'bottle dev-abcde has no container to stop');
      },
      'bottle:resume': async () => {
        throw new EngineUnavailableError({ host: 'unix:///var/run/docker.sock', source: 'default' }, new Error('connect ENOENT'));
      },
      'bottle:remove': async () => {
        parseIdentity('BAD');
        return null;
      },
      'bottles:list': async () => {
        throw new Error('boom\nstack line');
      },
    });
    expect(await dispatch('bottle:stop', ['dev-abcde'])).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'bottle dev-abcde has no container to stop' },
    });
    expect(await dispatch('bottle:resume', ['dev-abcde'])).toMatchObject({ ok: false, error: { code: 'engine-unavailable' } });
    expect(await dispatch('bottle:remove', ['dev-abcde', { keepState: false }])).toMatchObject({
      ok: false,
      error: { code: 'invalid-argument' },
    });
    expect(await dispatch('bottles:list', [])).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
  });
});
