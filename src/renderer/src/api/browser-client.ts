import { WEBSOCKET_PATH, type ServerMessage, type WireRequest } from '../../../shared/browser-wire';
import { IpcError, type AppEvent, type ClaudeBottleApi, type IpcArgs, type IpcChannel, type IpcResult } from '../../../shared/ipc-contract';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** The browser-mode API plus what only a network client has: its connection state. */
export interface BrowserClient extends ClaudeBottleApi {
  connectionState(): ConnectionState;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const MAX_BACKOFF_MS = 5000;

/**
 * `window.claudeBottle` for `claude-bottle serve`: the same contract over one WebSocket to the page's
 * own origin (the HttpOnly token cookie rides along). Reconnects with backoff; calls made while
 * disconnected wait for the socket rather than fail, and the app re-lists on every reconnect.
 */
export function createBrowserClient(url: string): BrowserClient {
  const eventListeners = new Set<(event: AppEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let attempt = 0;

  const setState = (next: ConnectionState): void => {
    if (next === state) return;
    state = next;
    for (const listener of connectionListeners) listener(next);
  };

  const onMessage = (raw: unknown): void => {
    if (typeof raw !== 'string') return;
    let message: ServerMessage;
    try {
      message = JSON.parse(raw) as ServerMessage;
    } catch (error: unknown) {
      // Not a message of ours (the server only sends JSON): nothing in it to answer or show.
      console.warn('claude-bottle: ignored a message that is not JSON from the server');
      return;
    }
    if ('event' in message) {
      for (const listener of eventListeners) listener(message.event);
      return;
    }
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    if (message.response.ok) waiting.resolve(message.response.data);
    else waiting.reject(new IpcError(message.response.error.code, message.response.error.message));
  };

  const connect = (): void => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('connected');
      for (const message of queue.splice(0)) ws.send(message);
    };
    ws.onmessage = (event: MessageEvent) => onMessage(event.data);
    ws.onclose = () => {
      socket = null;
      // Requests in flight on a dead socket have no answer coming: fail them so the UI can say so.
      for (const [id, waiting] of pending) {
        waiting.reject(new IpcError('engine-unavailable', 'lost the connection to claude-bottle serve'));
        pending.delete(id);
      }
      queue.length = 0;
      setState('disconnected');
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt);
      attempt += 1;
      window.setTimeout(connect, delay);
    };
  };
  connect();

  return {
    mode: 'browser',
    invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcResult<C>> {
      const id = nextId++;
      const request: WireRequest = { id, channel, args };
      const message = JSON.stringify(request);
      return new Promise<IpcResult<C>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    getPathForFile() {
      // A browser never reveals where a dropped file lives; the UI offers a path field instead.
      return null;
    },
    connectionState: () => state,
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}

/** Installs the browser client when no preload provided `window.claudeBottle` (i.e. not in Electron). */
export function installBrowserClient(): BrowserClient | null {
  if ((window as Partial<Window>).claudeBottle !== undefined) return null;
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createBrowserClient(`${scheme}//${window.location.host}${WEBSOCKET_PATH}`);
  window.claudeBottle = client;
  return client;
}
