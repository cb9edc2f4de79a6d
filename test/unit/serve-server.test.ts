import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IPC_CHANNEL_NAMES, type AppEvent } from '../../src/shared/ipc-contract';
import type { CoreHandlers } from '../../src/ipc/dispatch';
import { startServeServer, type ServedCore, type ServeServer } from '../../src/serve/serve-server';

interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the socket once open, or the HTTP status the upgrade was refused with. */
function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

function call(
  ws: WebSocket,
  id: number,
  channel: string,
  args: unknown[],
): Promise<{ id: number; response: { ok: boolean; data?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    const onMessage = (raw: WebSocket.RawData): void => {
      const message = JSON.parse(raw.toString()) as { id?: number };
      if (message.id !== id) return;
      ws.off('message', onMessage);
      resolve(message as never);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, args }));
  });
}

/** A stand-in core: these tests are about the transport and its guards, not bottles. */
function fakeCore(): { core: ServedCore; emit(event: AppEvent): void } {
  const listeners = new Set<(event: AppEvent) => void>();
  const unexpected = async (): Promise<never> => {
    throw new Error('not used in this test');
  };
  const handlers = Object.fromEntries(
    IPC_CHANNEL_NAMES.filter((channel) => channel !== 'dialog:choose-folder').map((channel) => [channel, unexpected]),
  ) as unknown as CoreHandlers;
  handlers['bottles:list'] = async () => [];
  handlers['bottle:stop'] = async () => null;
  return {
    core: {
      openClient: (send) => {
        listeners.add(send);
        return { handlers, close: async () => void listeners.delete(send) };
      },
    },
    emit: (event) => listeners.forEach((listener) => listener(event)),
  };
}

describe('claude-bottle serve', () => {
  let server: ServeServer;
  let rendererDir: string;
  let emit: (event: AppEvent) => void;
  let origin: string;
  let cookie: string;

  beforeAll(async () => {
    rendererDir = await mkdtemp(join(tmpdir(), 'claude-bottle-renderer-'));
    await mkdir(join(rendererDir, 'assets'));
    await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>test renderer</title>');
    await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(rendererDir, '..', 'secret.txt'), 'outside');
    const fake = fakeCore();
    emit = fake.emit;
    server = await startServeServer({ core: fake.core, port: 0, rendererDir });
    origin = `http://127.0.0.1:${server.port}`;
    cookie = `claude_bottle_token_${server.port}=${server.token}`;
  });

  afterAll(async () => {
    await server.close();
    await rm(rendererDir, { recursive: true, force: true });
    await rm(join(rendererDir, '..', 'secret.txt'), { force: true });
  });

  it('prints a loopback URL carrying a long random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses to bind anything but loopback', async () => {
    const fake = fakeCore();
    await expect(startServeServer({ core: fake.core, port: 0, host: '0.0.0.0', rendererDir })).rejects.toThrow(/loopback/);
  });

  it('is not reachable on other interfaces', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal);
    if (external === undefined) return; // no other interface on this machine: nothing to reach
    await expect(get(server.port, '/', {}, external.address)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('requires the token on every HTTP request', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/assets/app.js')).status).toBe(401);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
    expect((await get(server.port, '/', { Cookie: `claude_bottle_token_${server.port}=wrong` })).status).toBe(401);
    // A cookie minted by another serve instance (another port) does not open this one.
    expect((await get(server.port, '/', { Cookie: `claude_bottle_token_1=${server.token}` })).status).toBe(401);
  });

  it("keeps two servers apart: one server's cookie (a browser sends it to every port) never opens the other", async () => {
    const other = await startServeServer({ core: fakeCore().core, port: 0, rendererDir });
    try {
      // What the browser holds after opening both URLs: one cookie per port, each with its own token.
      const otherCookie = (await get(other.port, `/?token=${other.token}`)).headers['set-cookie']?.[0]?.split(';')[0] ?? '';
      expect(otherCookie).toBe(`claude_bottle_token_${other.port}=${other.token}`);
      // Sent to this server, the other's cookie is not ours: refused over HTTP and WebSocket...
      expect((await get(server.port, '/', { Cookie: otherCookie })).status).toBe(401);
      expect(await openSocket(`ws://127.0.0.1:${server.port}/ws`, { Origin: origin, Cookie: otherCookie })).toBe(401);
      // ...even renamed to this port's cookie name: the token is the other server's.
      expect((await get(server.port, '/', { Cookie: `claude_bottle_token_${server.port}=${other.token}` })).status).toBe(401);
      // Both cookies together (what the browser really sends): each server picks its own.
      expect((await get(server.port, '/', { Cookie: `${otherCookie}; ${cookie}` })).status).toBe(200);
      expect((await get(other.port, '/', { Cookie: `${cookie}; ${otherCookie}` })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
    const first = await get(server.port, `/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toContain(`${cookie};`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const page = await get(server.port, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('test renderer');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const asset = await get(server.port, '/assets/app.js', { Cookie: cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('refuses foreign Host headers (DNS rebinding) and paths outside the build', async () => {
    expect((await get(server.port, '/', { Cookie: cookie, Host: 'evil.example' })).status).toBe(403);
    expect((await get(server.port, '/../secret.txt', { Cookie: cookie })).status).toBe(404);
    expect((await get(server.port, '/%2e%2e/secret.txt', { Cookie: cookie })).status).toBe(404);
  });

  it('requires the token on the WebSocket upgrade', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws`;
    expect(await openSocket(url, { Origin: origin })).toBe(401);
    expect(await openSocket(url, { Origin: origin, Cookie: `claude_bottle_token_${server.port}=wrong` })).toBe(401);
  });

  it('refuses a WebSocket from another Origin, or with none', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws`;
    expect(await openSocket(url, { Origin: 'http://evil.example', Cookie: cookie })).toBe(403);
    expect(await openSocket(url, { Origin: `http://127.0.0.1:${server.port + 1}`, Cookie: cookie })).toBe(403);
    expect(await openSocket(url, { Cookie: cookie })).toBe(403);
  });

  it('dispatches the contract through the validating dispatcher and pushes events', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${server.port}/ws`, { Origin: origin, Cookie: cookie });
    if (typeof ws === 'number') throw new Error(`upgrade refused: ${ws}`);
    try {
      expect((await call(ws, 1, 'bottles:list', [])).response).toEqual({ ok: true, data: [] });
      expect((await call(ws, 2, 'bottle:stop', ['../../etc'])).response.error?.code).toBe('invalid-argument');
      expect((await call(ws, 3, 'no:such-channel', [])).response.error?.code).toBe('invalid-argument');
      expect((await call(ws, 4, 'dialog:choose-folder', [])).response.error?.code).toBe('unsupported');
      const pushed = new Promise<unknown>((resolve) => ws.once('message', (raw) => resolve(JSON.parse(raw.toString()))));
      emit({ type: 'bottle-removed', identity: 'demo-abcde' });
      expect(await pushed).toEqual({ event: { type: 'bottle-removed', identity: 'demo-abcde' } });
    } finally {
      ws.close();
    }
  });

  it('accepts the token in the WebSocket URL too', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { Origin: origin });
    expect(typeof ws).not.toBe('number');
    if (typeof ws !== 'number') ws.close();
  });
});
