import type { AppEvent } from '../../shared/ipc-contract';
import type { IpcHandlers } from '../ipc/dispatch';
import { BottleError } from './bottle-error';
import { createBottleContext, type BottleContext } from './bottle-context';

export type CoreHandlers = Omit<IpcHandlers, 'dialog:choose-folder'>;

export interface BottleCore {
  context: BottleContext;
  handlers: CoreHandlers;
  subscribe(listener: (event: AppEvent) => void): () => void;
  close(): Promise<void>;
}

function notYet(name: string): () => Promise<never> {
  return async () => {
    throw new BottleError('unsupported', `${name} is not available yet`);
  };
}

/** The bottle core shared by the Electron main process and `claude-bottle serve`. */
export function createBottleCore(context: BottleContext = createBottleContext()): BottleCore {
  const listeners = new Set<(event: AppEvent) => void>();
  const handlers: CoreHandlers = {
    'bottles:list': notYet('bottles:list'),
    'agents:list': notYet('agents:list'),
    'engine:status': notYet('engine:status'),
    'bottle:start': notYet('bottle:start'),
    'bottle:stop': notYet('bottle:stop'),
    'bottle:remove': notYet('bottle:remove'),
    'bottle:resume': notYet('bottle:resume'),
    'bottle:approve': notYet('bottle:approve'),
    'bottle:reject': notYet('bottle:reject'),
    'bottle:history': notYet('bottle:history'),
    'terminal:open': notYet('terminal:open'),
    'terminal:input': notYet('terminal:input'),
    'terminal:resize': notYet('terminal:resize'),
    'terminal:close': notYet('terminal:close'),
  };
  return {
    context,
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
