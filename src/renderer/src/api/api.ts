import type { ClaudeBottleApi, IpcArgs, IpcChannel, IpcResult } from '../../../shared/ipc-contract';

export function api(): ClaudeBottleApi {
  return window.claudeBottle;
}

export function invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcResult<C>> {
  return window.claudeBottle.invoke(channel, ...args);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
