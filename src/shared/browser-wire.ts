/**
 * How `claude-bottle serve` and the page's browser client frame the IPC contract over one
 * WebSocket. Pure types and one constant: serve and the browser client both import them, so the two
 * ends cannot disagree on a field.
 */
import type { AppEvent } from './app-events';
import type { IpcResponse } from './ipc-contract';

/** The socket's path, on the page's own origin. */
export const WEBSOCKET_PATH = '/ws';

/** A call from the page; `channel` and `args` are checked by the dispatcher, as over Electron IPC. */
export interface WireRequest {
  id: number;
  channel: string;
  args: unknown[];
}

/** The answer to the request with the same id, in the contract's `{ok, data}` envelope. */
export interface WireAnswer {
  id: number;
  response: IpcResponse<unknown>;
}

/** An event the core pushed. */
export interface WireEvent {
  event: AppEvent;
}

/** Everything serve sends down the socket. */
export type ServerMessage = WireAnswer | WireEvent;
