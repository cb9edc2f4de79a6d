import type { ErrorCode } from '../../shared/errors';

/** An error meant for the operator: one line, with a code the UI can act on. */
export class BottleError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BottleError';
  }
}

/** The first line of an error's message: what every surface shows an operator. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
