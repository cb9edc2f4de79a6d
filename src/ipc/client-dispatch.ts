import type { AppEvent } from '../shared/app-events';
import { createIpcDispatcher, type CoreHandlers, type IpcDispatcher, type IpcHandlers } from './dispatch';
import type { OpenClient } from './ipc-handlers';

/**
 * One client's end of the contract as a front end carries it (a window's page, a browser tab): its
 * validating dispatcher, and its close (which releases what it opened).
 */
export interface DispatchClient {
  dispatch: IpcDispatcher;
  close(): Promise<void>;
}

/** Opens a dispatch client that receives its events through `send`. */
export type OpenDispatchClient = (send: (event: AppEvent) => void) => DispatchClient;

/** The channels only a front end can answer (the native folder dialog, or its refusal in a browser). */
export type FrontEndHandlers = Omit<IpcHandlers, keyof CoreHandlers>;

/**
 * How every front end opens its clients: a session of the core (its handlers, its events), plus
 * the front end's own channels, behind one validating dispatcher. The desktop window's pages and
 * serve's browser tabs are opened alike; only the transport differs.
 */
export function dispatchClients(
  openClient: OpenClient,
  frontEnd: FrontEndHandlers,
  onInternalError: (error: unknown) => void,
): OpenDispatchClient {
  return (send) => {
    const client = openClient(send);
    return { dispatch: createIpcDispatcher({ ...client.handlers, ...frontEnd }, onInternalError), close: () => client.close() };
  };
}
