import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface EngineProxy {
  /** The DOCKER_HOST to give the app. */
  host: string;
  /** Docker "stops": the socket goes away and every open connection (event stream included) drops. */
  down(): Promise<void>;
  /** Docker "is back": the same socket answers again, forwarded to the real engine. */
  up(): Promise<void>;
}

/**
 * A Unix-socket pass-through to the real engine. Taking it down looks to the app exactly like dockerd
 * dying (ENOENT on connect, streams cut), without stopping the engine other suites on this host share.
 */
export async function startEngineProxy(socketPath: string, upstream = '/var/run/docker.sock'): Promise<EngineProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;

  const up = async (): Promise<void> => {
    rmSync(socketPath, { force: true });
    server = createServer((client) => {
      const engine = connect(upstream);
      for (const socket of [client, engine]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
      client.on('close', () => engine.destroy());
      engine.on('close', () => client.destroy());
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(socketPath, resolve));
  };

  const down = async (): Promise<void> => {
    const closing = server;
    server = null;
    // Cut open connections first: close() only calls back once every connection has ended.
    const closed = closing === null ? Promise.resolve() : new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    rmSync(socketPath, { force: true });
  };

  await up();
  return { host: `unix://${socketPath}`, down, up };
}
