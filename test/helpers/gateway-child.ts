/**
 * The gateway program as a child process (the real bundle, its control channel on stdio) and a
 * bottle's CONNECT to it, with nothing of the test runner: the credential bench (`npm run bench
 * net`) drives the gateway with these too. gateway-process.ts adds the test files' hooks.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type GatewayMessage = Record<string, unknown> & { type: string };

let bundle: string | null = null;
let bundleDir: string | null = null;

/** Builds src/gateway into one CJS file once per test file, as `npm run build` does. */
export function gatewayBundle(): string {
  if (bundle !== null) return bundle;
  bundleDir = mkdtempSync(path.join(tmpdir(), 'cb-gateway-'));
  bundle = path.join(bundleDir, 'gateway.cjs');
  execFileSync(process.execPath, ['scripts/build-gateway.mjs', bundle], { stdio: 'inherit' });
  return bundle;
}

export function removeGatewayBundle(): void {
  if (bundleDir !== null) rmSync(bundleDir, { recursive: true, force: true });
  bundle = null;
  bundleDir = null;
}

export class GatewayProcess {
  readonly messages: GatewayMessage[] = [];
  stderr = '';
  private listeners: Array<() => void> = [];

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    public port = 0,
  ) {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        this.messages.push(JSON.parse(buffered.slice(0, newline)) as GatewayMessage);
        buffered = buffered.slice(newline + 1);
        for (const listener of [...this.listeners]) listener();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  /** `bundle`: the program to run (default: built from the sources for this test file). */
  static async start(args: string[] = [], bundle = gatewayBundle()): Promise<GatewayProcess> {
    const child = spawn(process.execPath, [bundle, '--host', '127.0.0.1', '--port', '0', ...args], { stdio: 'pipe' });
    const gateway = new GatewayProcess(child);
    const ready = await gateway.next((message) => message.type === 'ready');
    gateway.port = ready.port as number;
    return gateway;
  }

  send(message: unknown): void {
    this.child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** The first message (already received or still to come) that matches, after `from` messages. */
  next(match: (message: GatewayMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<GatewayMessage> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const found = this.messages.slice(from).find(match);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        resolve(found);
        return true;
      };
      const check = (): void => void look();
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((listener) => listener !== check);
        reject(
          new Error(
            `no matching gateway message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}; stderr ${this.stderr}`,
          ),
        );
      }, timeoutMs);
      if (!look()) this.listeners.push(check);
    });
  }

  /** Waits until the gateway has handled every line sent so far (it answers in order). */
  async settled(nonce: string): Promise<void> {
    this.send({ type: 'ping', nonce });
    await this.next((message) => message.type === 'pong' && message.nonce === nonce);
  }

  /** Calls `listener` with every message from now on, in order. */
  onMessage(listener: (message: GatewayMessage) => void): void {
    let seen = this.messages.length;
    this.listeners.push(() => {
      while (seen < this.messages.length) listener(this.messages[seen++] as GatewayMessage);
    });
  }

  /** Messages of one type sent so far. */
  all(type: string): GatewayMessage[] {
    return this.messages.filter((message) => message.type === type);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export interface Tunnel {
  socket: net.Socket;
  /** The status line's code, or null while no answer came. */
  status: Promise<number>;
  /** Everything after the status line and headers, until the gateway closes (for a refusal's body). */
  rest: Promise<string>;
}

/** Opens a CONNECT from a bottle's source address; the socket is the tunnel once the status is 200. */
export function proxyConnect(gatewayPort: number, target: string, options: { from?: string; hostHeader?: string | null } = {}): Tunnel {
  const socket = net.connect({ host: '127.0.0.1', port: gatewayPort, localAddress: options.from ?? '127.0.0.1' });
  const hostHeader =
    options.hostHeader === undefined ? `Host: ${target}\r\n` : options.hostHeader === null ? '' : `Host: ${options.hostHeader}\r\n`;
  socket.write(`CONNECT ${target} HTTP/1.1\r\n${hostHeader}\r\n`);
  let head = '';
  let settleStatus: (code: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (settleStatus = resolve));
  let after = '';
  const rest = new Promise<string>((resolve) => socket.once('close', () => resolve(after)));
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    socket.off('data', onData);
    settleStatus(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    const extra = head.slice(end + 4);
    if (extra !== '') after += extra;
    socket.on('data', (more: Buffer) => (after += more.toString('utf8')));
  };
  socket.on('data', onData);
  socket.on('error', () => settleStatus(-1));
  socket.once('close', () => settleStatus(-1));
  return { socket, status, rest };
}
