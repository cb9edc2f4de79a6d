import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppEvent } from '../../src/shared/app-events';
import type { IpcChannel, IpcResponse } from '../../src/shared/ipc-contract';

const REPO = join(import.meta.dirname, '..', '..');
export const BUILT_MAIN = join(REPO, 'out', 'main', 'index.js');
export const BUILT_RENDERER = join(REPO, 'out', 'renderer', 'index.html');

export type Sender = 'app' | 'foreign-url' | 'subframe' | 'other-contents' | 'no-frame';

export interface MainState {
  windows: number;
  windowOptions: { webPreferences: Record<string, unknown> } & Record<string, unknown>;
  loaded: { kind: 'file'; path: string } | { kind: 'url'; url: string } | null;
  channels: string[];
  removedHandlers: string[];
  webContentsCreated: number;
  notifications: { title: string; body: string }[];
  dialogCalls: number;
  quitCalls: number;
  exitCode: number | null;
  focusCalls: number;
  showCalls: number;
  restoreCalls: number;
  openedExternal: string[];
  badgeCount: number | null;
  title: string | null;
}

/**
 * The built Electron main process (out/main/index.js), running in a child Node process with the
 * `electron` stand-in, driven from the test: what the desktop app does is what this exercises,
 * against the real core and the real engine, minus the Electron binary itself.
 */
export class MainHarness {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.ok === true) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error ?? 'driver error'));
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(env: NodeJS.ProcessEnv): Promise<MainHarness> {
    if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    const child = fork(join(import.meta.dirname, 'main-driver.mjs'), [BUILT_MAIN], {
      execArgv: ['--import', join(import.meta.dirname, 'stand-in', 'register.mjs')],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const harness = new MainHarness(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the main process did not come up in 30 s:\n${harness.output}`)), 30_000);
      child.on('message', (message: { ready?: boolean }) => {
        if (message.ready !== true) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the main process exited with ${String(code)} before it was ready:\n${harness.output}`));
      });
    });
    return harness;
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op, ...args });
    });
  }

  state(): Promise<MainState> {
    return this.call('state');
  }

  /** Invokes a contract channel through ipcMain, as a renderer frame of the given kind would. */
  invoke<T = unknown>(channel: IpcChannel | string, args: unknown[], sender: Sender = 'app'): Promise<IpcResponse<T>> {
    return this.call('invoke', { channel, args, sender });
  }

  /** Like invoke, but unwraps the envelope and throws on `{ok:false}`. */
  async ok<T = unknown>(channel: IpcChannel, args: unknown[]): Promise<T> {
    const response = await this.invoke<T>(channel, args);
    if ((response as { unbound?: string }).unbound !== undefined) throw new Error(`channel ${channel} is not bound in the main process`);
    if (!response.ok) throw new Error(`${channel}: ${response.error.code}: ${response.error.message}`);
    return response.data;
  }

  /** Every app event the main process pushed to the window so far. */
  async events(): Promise<AppEvent[]> {
    const sent = await this.call<{ channel: string; event: AppEvent }[]>('events');
    return sent.filter((message) => message.channel === 'app:event').map((message) => message.event);
  }

  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
