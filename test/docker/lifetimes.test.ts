import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppEvent } from '../../src/shared/app-events';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { coreClients } from '../../src/ipc/ipc-handlers';
import { startServeServer, type ServeServer } from '../../src/serve/serve-server';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { writeTestAgent } from '../helpers/test-agents';

/** An agent that greets, then keeps an interactive shell on its TTY (input echoes into its output). */
const INTERACTIVE = ['echo "hello from the agent"', 'exec sh -i'].join('\n');
const ROUNDS = 20;

const env = useBottleTestEnv();
let core: Core;
let server: ServeServer;
let rendererDir: string;

beforeEach(async () => {
  await writeTestAgent({ name: 'interactive', script: INTERACTIVE });
  rendererDir = await mkdtemp(join(tmpdir(), 'claude-bottle-renderer-'));
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>test renderer</title>');
  // What `claude-bottle serve` runs: a live core, one client session per browser tab.
  core = createCore({ deps: createCoreDeps(), live: true });
  server = await startServeServer({ core: { openClient: coreClients(core) }, port: 0, rendererDir });
});

afterEach(async () => {
  await server.close();
  await core.close();
  await rm(rendererDir, { recursive: true, force: true });
});

/** One browser tab over serve's WebSocket: calls, and every event pushed to it. */
class Tab {
  readonly events: AppEvent[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (response: { ok: boolean; data?: unknown; error?: { message: string } }) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: WebSocket.RawData) => {
      const message = JSON.parse(raw.toString()) as { id?: number; response?: never; event?: AppEvent };
      if (message.event !== undefined) this.events.push(message.event);
      else if (message.id !== undefined) this.waiting.get(message.id)?.(message.response as never);
    });
  }

  static async open(): Promise<Tab> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
      headers: { Origin: `http://127.0.0.1:${server.port}`, Cookie: `claude_bottle_token_${server.port}=${server.token}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Tab(ws);
  }

  async call<T>(channel: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<{ ok: boolean; data?: unknown; error?: { message: string } }>((resolve) => this.waiting.set(id, resolve));
    this.ws.send(JSON.stringify({ id, channel, args }));
    const response = await answer;
    this.waiting.delete(id);
    if (!response.ok) throw new Error(`${channel}: ${response.error?.message ?? 'failed'}`);
    return response.data as T;
  }

  output(type: 'terminal-data' | 'log-data', id: string): string {
    return this.events
      .map((event) =>
        (event.type === 'terminal-data' && event.sessionId === id) || (event.type === 'log-data' && event.streamId === id)
          ? event.data
          : '',
      )
      .join('');
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await closed;
  }
}

async function runningBottle(tab: Tab): Promise<string> {
  const { identity } = await tab.call<{ identity: string }>('bottle:start', { agent: 'interactive', cwd: env.project(), copy: false });
  await eventually(
    async () =>
      expect(
        tab.events.some(
          (event) => event.type === 'bottle-changed' && event.bottle.identity === identity && event.bottle.status === 'running',
        ),
      ).toBe(true),
    60_000,
    200,
  );
  return identity;
}

/** What the process holds open, by kind: engine connections are Pipe (unix socket) or TCP entries. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

interface Holdings {
  sessions: number;
  listeners: number;
  terminals: number;
  logs: number;
  stats: number;
  changes: number;
  connections: number;
  timers: number;
  handles: number;
}

/** Everything the core and the process hold that a client could leave behind. */
function holdings(): Holdings {
  const active = resources();
  return {
    sessions: core.sessionCount,
    listeners: core.listenerCount,
    terminals: core.terminals.size,
    logs: core.logs.size,
    stats: core.stats.size,
    changes: core.changes.size,
    connections: (active.PipeWrap ?? 0) + (active.TCPSocketWrap ?? 0) + (active.TCPWrap ?? 0),
    timers: active.Timeout ?? 0,
    handles: process.getActiveResourcesInfo().length,
  };
}

describe.skipIf(skipWithoutDocker)('lifetimes: each client owns what it opens', () => {
  it("a tab receives its own terminal's output and the broadcast events, never another tab's terminal", async () => {
    const a = await Tab.open();
    const b = await Tab.open();
    const identity = await runningBottle(a);
    // Bottle views are broadcast: the other tab sees the bottle run too.
    await eventually(async () =>
      expect(b.events.some((event) => event.type === 'bottle-changed' && event.bottle.identity === identity)).toBe(true),
    );
    const { sessionId } = await a.call<{ sessionId: string }>('terminal:open', { identity, cols: 80, rows: 24 });
    await a.call('terminal:input', sessionId, 'echo private-$((6*7))\n');
    await eventually(async () => expect(a.output('terminal-data', sessionId)).toContain('private-42'));
    expect(b.events.filter((event) => event.type === 'terminal-data' || event.type === 'terminal-exit')).toEqual([]);
    // Nor can the other tab type into it or close it.
    await expect(b.call('terminal:input', sessionId, 'echo intruder\n')).rejects.toThrow(/closed/);
    await b.call('terminal:close', sessionId);
    expect(core.terminals.size).toBe(1);
    await a.close();
    await b.close();
  }, 120_000);

  it("one tab's unwatch of a bottle's Changes leaves another tab's live updates running", async () => {
    const a = await Tab.open();
    const b = await Tab.open();
    const identity = await runningBottle(a);
    await a.call('changes:watch', identity, { since: 'start' });
    await b.call('changes:watch', identity, { since: 'start' });
    await b.call('changes:unwatch', identity);
    expect(core.changes.size).toBe(1);
    await writeFile(join(env.project(), 'written-after-unwatch.txt'), 'a change tab A should hear of\n');
    await eventually(
      async () => expect(a.events.some((event) => event.type === 'changes-updated' && event.identity === identity)).toBe(true),
      15_000,
      200,
    );
    // Only the tab that watches hears of it.
    expect(b.events.some((event) => event.type === 'changes-updated')).toBe(false);
    await a.close();
    await eventually(async () => expect(core.changes.size).toBe(0));
    await b.close();
  }, 120_000);

  it(`${ROUNDS} rounds of clients opening terminals, shells, logs, stats and Changes watches leave nothing behind`, async () => {
    const owner = await Tab.open();
    const identity = await runningBottle(owner);
    await owner.close();
    const round = async (index: number): Promise<void> => {
      const tab = await Tab.open();
      const terminal = await tab.call<{ sessionId: string }>('terminal:open', { identity, cols: 80, rows: 24 });
      const shell = await tab.call<{ sessionId: string }>('shell:open', { identity, cols: 80, rows: 24 });
      const log = await tab.call<{ streamId: string }>('logs:open', { identity, tail: 50, follow: true });
      await tab.call('stats:watch', { subscriptionId: null, identities: [identity] });
      await tab.call('changes:watch', identity, { since: 'start' });
      await tab.call('terminal:input', terminal.sessionId, `echo round-${index}\n`);
      await eventually(async () => expect(tab.output('terminal-data', terminal.sessionId)).toContain(`round-${index}`));
      await eventually(async () => expect(tab.output('log-data', log.streamId)).toContain('hello from the agent'));
      if (index % 2 === 1) {
        // Half the tabs close what they opened; the others (the last one too) just go, mid-stream.
        await tab.call('terminal:close', terminal.sessionId);
        await tab.call('terminal:close', shell.sessionId);
        await tab.call('logs:close', log.streamId);
        await tab.call('changes:unwatch', identity);
      }
      await tab.close();
    };
    // A first round warms up what stays for the process's life (the bottle's terminal feed, lazy engine clients).
    await round(0);
    await eventually(async () => expect(core.sessionCount).toBe(0));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = holdings();
    expect(before).toMatchObject({ sessions: 0, listeners: 0, terminals: 0, logs: 0, stats: 0, changes: 0 });

    for (let index = 1; index <= ROUNDS; index++) await round(index);

    await eventually(
      async () => {
        const after = holdings();
        expect(after).toMatchObject({ sessions: 0, listeners: 0, terminals: 0, logs: 0, stats: 0, changes: 0 });
        expect(after.connections).toBeLessThanOrEqual(before.connections);
        expect(after.timers).toBeLessThanOrEqual(before.timers);
        expect(after.handles).toBeLessThanOrEqual(before.handles);
      },
      20_000,
      250,
    );
  }, 600_000);
});
