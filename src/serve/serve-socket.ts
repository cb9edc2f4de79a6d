import type { RawData, WebSocket } from 'ws';
import type { IpcDispatcher } from '../ipc/dispatch';

/** Wire format (the browser client in src/renderer/src/api/browser-client.ts speaks the same). */
interface RequestMessage {
  id: number;
  channel: string;
  args: unknown[];
}

function parseRequest(raw: RawData): RequestMessage | null {
  try {
    const value: unknown = JSON.parse(raw.toString());
    if (typeof value !== 'object' || value === null) return null;
    const { id, channel, args } = value as Record<string, unknown>;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof channel !== 'string' || !Array.isArray(args)) return null;
    return { id, channel, args };
  } catch {
    return null;
  }
}

/**
 * One browser connection: each `{id, channel, args}` goes through the validating dispatcher and is
 * answered with `{id, response}`. Terminal sessions opened over this socket are closed with it, so a
 * closed tab never leaves an attach stream behind.
 */
export function handleSocket(
  ws: WebSocket,
  dispatcher: IpcDispatcher,
  closeTerminal: (sessionId: string) => Promise<null>,
): void {
  const terminals = new Set<string>();
  ws.on('message', (raw: RawData) => {
    const request = parseRequest(raw);
    if (request === null) {
      ws.close(1003, 'malformed message');
      return;
    }
    void dispatcher(request.channel, request.args).then((response) => {
      if (response.ok && request.channel === 'terminal:open') {
        const sessionId = (response.data as { sessionId?: unknown } | null)?.sessionId;
        if (typeof sessionId === 'string') terminals.add(sessionId);
      }
      if (request.channel === 'terminal:close' && typeof request.args[0] === 'string') terminals.delete(request.args[0]);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: request.id, response }));
    });
  });
  ws.on('close', () => {
    for (const sessionId of terminals) void closeTerminal(sessionId).catch(() => undefined);
    terminals.clear();
  });
}
