/**
 * What kind of failure an operator-facing error is: the UI, the CLI and the IPC envelope act on it.
 * Pure: imported by the core, every front end and the renderer.
 */
export type ErrorCode =
  | 'invalid-argument'
  | 'not-found'
  | 'corrupt'
  | 'engine-unavailable'
  | 'conflict'
  | 'build-failed'
  | 'unsupported'
  | 'forbidden'
  | 'limit-exceeded'
  | 'internal';
