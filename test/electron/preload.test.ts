import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createContext, Script } from 'node:vm';
import { beforeEach, describe, expect, it } from 'vitest';
import { APP_EVENT_CHANNEL, IpcError, type ClaudeBottleApi } from '../../src/shared/ipc-contract';

const BUILT_PRELOAD = join(import.meta.dirname, '..', '..', 'out', 'preload', 'index.cjs');

interface StandInRecord {
  exposed?: { key: string; api: ClaudeBottleApi }[];
  rendererInvokes?: { channel: string; args: unknown[] }[];
  rendererInvokeResult?: unknown;
}

interface StandIn {
  ipcRenderer: { emit(channel: string, ...args: unknown[]): boolean; listenerCount(channel: string): number };
}

let record: StandInRecord;
let electron: StandIn;

/**
 * Runs the built preload the way a sandboxed renderer does: a fresh context whose `require` hands
 * out `electron` and nothing else (no fs, no child_process, no path), CommonJS only.
 */
async function runPreload(): Promise<{ key: string; api: ClaudeBottleApi }> {
  const source = await readFile(BUILT_PRELOAD, 'utf8');
  const required: string[] = [];
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const module = { exports: {} };
  const context = createContext({ module, exports: module.exports, require: sandboxRequire, console });
  new Script(source, { filename: BUILT_PRELOAD }).runInContext(context);
  expect(required).toEqual(['electron']);
  expect(record.exposed).toHaveLength(1);
  return record.exposed?.[0] as { key: string; api: ClaudeBottleApi };
}

beforeEach(async () => {
  electron = (await import('./stand-in/electron.mjs')) as unknown as StandIn;
  record = (globalThis as unknown as { electronStandIn: StandInRecord }).electronStandIn;
  delete record.exposed;
  delete record.rendererInvokes;
  delete record.rendererInvokeResult;
});

describe('the built preload, in a sandboxed context', () => {
  it('exposes exactly the contract’s API on window.claudeBottle, and nothing else', async () => {
    const { key, api } = await runPreload();
    expect(key).toBe('claudeBottle');
    expect(Object.keys(api).sort()).toEqual(['getPathForFile', 'invoke', 'mode', 'onEvent']);
    expect(api.mode).toBe('electron');
  });

  it('invokes only contract channels, and unwraps the envelope into data or an IpcError', async () => {
    const { api } = await runPreload();
    record.rendererInvokeResult = { ok: true, data: [{ identity: 'dev-abcde' }] };
    expect(await api.invoke('bottles:list')).toEqual([{ identity: 'dev-abcde' }]);
    record.rendererInvokeResult = { ok: false, error: { code: 'not-found', message: 'bottle dev-abcde has no container to stop' } };
    const failure = await api.invoke('bottle:stop', 'dev-abcde').catch((error: unknown) => error);
    // The preload's own realm: an IpcError by name and shape (instanceof cannot cross realms).
    expect(failure).toMatchObject({ name: IpcError.name, code: 'not-found', message: 'bottle dev-abcde has no container to stop' });
    await expect((api.invoke as (channel: string) => Promise<unknown>)('shell:exec')).rejects.toThrow(/unknown channel/);
    expect(record.rendererInvokes).toEqual([
      { channel: 'bottles:list', args: [] },
      { channel: 'bottle:stop', args: ['dev-abcde'] },
    ]);
  });

  it('hands pushed events to listeners without the IPC event object, and unsubscribes', async () => {
    const { api } = await runPreload();
    const received: unknown[] = [];
    const stop = api.onEvent((event) => received.push(event));
    electron.ipcRenderer.emit(APP_EVENT_CHANNEL, { sender: 'not for the page' }, { type: 'bottle-removed', identity: 'dev-abcde' });
    expect(received).toEqual([{ type: 'bottle-removed', identity: 'dev-abcde' }]);
    stop();
    expect(electron.ipcRenderer.listenerCount(APP_EVENT_CHANNEL)).toBe(0);
  });

  it('reports a dropped item’s path, or null where the platform gives none', async () => {
    const { api } = await runPreload();
    expect(api.getPathForFile({ path: '/home/me/project' } as unknown as File)).toBe('/home/me/project');
    expect(api.getPathForFile({} as File)).toBeNull();
  });
});
