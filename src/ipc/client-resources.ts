import type { IpcChannel } from '../shared/ipc-contract';
import type { IpcDispatcher } from './dispatch';

/** Channels that open something a client holds, the id field of their answer, and how it is closed. */
const OPENERS: Partial<Record<IpcChannel, { idField: string; close: IpcChannel }>> = {
  'terminal:open': { idField: 'sessionId', close: 'terminal:close' },
  'shell:open': { idField: 'sessionId', close: 'terminal:close' },
  'logs:open': { idField: 'streamId', close: 'logs:close' },
  'stats:watch': { idField: 'subscriptionId', close: 'stats:unwatch' },
};
const CLOSERS: ReadonlySet<string> = new Set(Object.values(OPENERS).map((opener) => opener.close));

export interface ClientResources {
  /** The dispatcher to use for this client: it notes what the client opens and closes. */
  dispatch: IpcDispatcher;
  /** The client went away (socket closed, page reloaded): close everything it left open. */
  closeAll(): void;
  /** How many things the client holds open (for tests and diagnostics). */
  readonly size: number;
}

/**
 * What one client (a browser socket, the desktop window's page) has open — terminals, shells, log
 * streams, stats watches — so that a closed tab or a reloaded page never leaves an attach, an exec,
 * a log stream or a sampler running for nobody.
 */
export function trackClientResources(dispatcher: IpcDispatcher, onCloseError: (error: unknown) => void = () => undefined): ClientResources {
  const open = new Map<string, IpcChannel>();
  const dispatch: IpcDispatcher = async (channel, rawArgs) => {
    const response = await dispatcher(channel, rawArgs);
    const opener = typeof channel === 'string' ? OPENERS[channel as IpcChannel] : undefined;
    if (opener !== undefined && response.ok) {
      const id = (response.data as Record<string, unknown> | null)?.[opener.idField];
      if (typeof id === 'string') open.set(id, opener.close);
    }
    const first = Array.isArray(rawArgs) ? (rawArgs[0] as unknown) : undefined;
    if (typeof channel === 'string' && CLOSERS.has(channel) && typeof first === 'string') open.delete(first);
    return response;
  };
  return {
    dispatch,
    closeAll() {
      const held = [...open];
      open.clear();
      for (const [id, close] of held) void dispatcher(close, [id]).catch(onCloseError);
    },
    get size() {
      return open.size;
    },
  };
}
