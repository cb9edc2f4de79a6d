import type { RawData, WebSocket } from 'ws';
import type { WireAnswer, WireRequest } from '../shared/browser-wire';
import type { IpcDispatcher } from '../ipc/dispatch';
import { trackClientResources } from '../ipc/client-resources';

function parseRequest(raw: RawData): WireRequest | null {
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
 * answered with `{id, response}`. What the tab opened over this socket (terminals, shells, log
 * streams, stats watches) is closed with it, so a closed tab never leaves a stream behind.
 */
export function handleSocket(ws: WebSocket, dispatcher: IpcDispatcher): void {
  const resources = trackClientResources(dispatcher);
  ws.on('message', (raw: RawData) => {
    const request = parseRequest(raw);
    if (request === null) {
      ws.close(1003, 'malformed message');
      return;
    }
    void resources.dispatch(request.channel, request.args).then((response) => {
      const answer: WireAnswer = { id: request.id, response };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(answer));
    });
  });
  ws.on('close', () => resources.closeAll());
}
