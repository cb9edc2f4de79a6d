import { ZodError } from 'zod';
import { InvalidIdentityError } from '../shared/identity';
import {
  IPC_CHANNEL_NAMES,
  type IpcArgs,
  type IpcChannel,
  type IpcErrorCode,
  type IpcResponse,
  type IpcResult,
} from '../shared/ipc-contract';
import { ipcArgSchemas } from '../shared/ipc-schemas';
import { BottleError, errorMessage } from '../core/base/bottle-error';
import { EngineUnavailableError } from '../core/engine/docker-client';
import { CorruptBottleError } from '../core/state/metadata';

/** One implementation per channel; both the Electron binding and `serve` dispatch into these. */
export type IpcHandlers = { [C in IpcChannel]: (...args: IpcArgs<C>) => Promise<IpcResult<C>> };

/** Every channel but the ones only a front end can answer (a native folder dialog). */
export type CoreHandlers = Omit<IpcHandlers, 'dialog:choose-folder'>;

export type IpcDispatcher = (channel: unknown, rawArgs: unknown) => Promise<IpcResponse<unknown>>;

function isChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && (IPC_CHANNEL_NAMES as readonly string[]).includes(value);
}

function codeFor(error: unknown): IpcErrorCode {
  if (error instanceof BottleError) return error.code;
  if (error instanceof InvalidIdentityError || error instanceof ZodError) return 'invalid-argument';
  if (error instanceof EngineUnavailableError) return 'engine-unavailable';
  if (error instanceof CorruptBottleError) return 'corrupt';
  return 'internal';
}

function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `argument ${issue.path.join('.')}: ` : '';
  return `${where}${issue?.message ?? 'invalid arguments'}`;
}

/**
 * Validates the channel name and its arguments with the contract's zod schema before the handler
 * runs, and turns every outcome into `{ok, data}` or `{ok:false, error:{code, message}}`.
 */
export function createIpcDispatcher(handlers: IpcHandlers, onInternalError?: (error: unknown) => void): IpcDispatcher {
  return async (channel, rawArgs) => {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'invalid-argument', message: `unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}` } };
    }
    const parsed = ipcArgSchemas[channel].safeParse(rawArgs);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid-argument', message: `${channel}: ${describeZodError(parsed.error)}` } };
    }
    try {
      // The schema fixed the argument types for this channel; TypeScript cannot follow that per key.
      const handler = handlers[channel] as (...args: unknown[]) => Promise<unknown>;
      const data = await handler(...(parsed.data as unknown[]));
      return { ok: true, data: data ?? null };
    } catch (error: unknown) {
      const code = codeFor(error);
      if (code === 'internal') onInternalError?.(error);
      return { ok: false, error: { code, message: errorMessage(error) } };
    }
  };
}
