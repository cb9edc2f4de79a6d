import type { RawData, WebSocket } from 'ws';
import { parseJson } from '../core/base/parse-json';
import type { WireAnswer, WireEvent, WireRequest } from '../shared/browser-wire';
import type { OpenDispatchClient } from '../ipc/client-dispatch';

function parseRequest(raw: RawData): WireRequest | null {
  // A message that is not JSON (undefined) is refused like any other malformed one.
  const value = parseJson(raw.toString());
  if (typeof value !== 'object' || value === null) return null;
  const { id, channel, args } = value as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof channel !== 'string' || !Array.isArray(args)) return null;
  return { id, channel, args };
}

/**
 * One browser connection, one client session: each `{id, channel, args}` goes through the session's
 * validating dispatcher and is answered with `{id, response}`; the session's events (the broadcast
 * ones, and those of what this tab opened) are pushed as `{event}`. What the tab opened over this
 * socket (terminals, shells, log streams, stats and Changes watches) is closed with it, so a closed
 * tab never leaves a stream behind.
 */
export function handleSocket(ws: WebSocket, openClient: OpenDispatchClient, onCloseError: (error: unknown) => void): void {
  const client = openClient((event) => {
    const pushed: WireEvent = { event };
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(pushed));
  });
  ws.on('message', (raw: RawData) => {
    const request = parseRequest(raw);
    if (request === null) {
      ws.close(1003, 'malformed message');
      return;
    }
    void client.dispatch(request.channel, request.args).then((response) => {
      const answer: WireAnswer = { id: request.id, response };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(answer));
    });
  });
  ws.on('close', () => {
    client.close().catch(onCloseError);
  });
}
