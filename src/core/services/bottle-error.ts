import type { IpcErrorCode } from '../../shared/ipc-contract';

/** An error meant for the operator: one line, with a code the UI can act on. */
export class BottleError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BottleError';
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
