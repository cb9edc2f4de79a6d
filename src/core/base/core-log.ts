import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NoticeLevel } from '../../shared/app-events';
import { orIfMissing } from '../fs/if-exists';

/** Rotated at this size: the current file becomes `.1` (the previous `.1` is dropped). */
export const LOG_ROTATE_BYTES = 5 * 1024 * 1024;

// Secrets never reach the log, even when an error message quotes one: API keys, OAuth tokens,
// bearer headers, NAME=value pairs whose name says it is a secret, and the user part of a URL
// (`https://user:password@host`, `https://TOKEN@host`: how a git remote carries its login).
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]+@/gi, '$1[redacted]@'],
  [/sk-ant-[A-Za-z0-9_-]+/g, 'sk-ant-[redacted]'],
  [/\b(Bearer|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, '$1 [redacted]'],
  [/\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|API_KEY|APIKEY|CREDENTIAL)[A-Z0-9_]*)=\S+/g, '$1=[redacted]'],
];

export function redactSecrets(text: string): string {
  let redacted = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) redacted = redacted.replace(pattern, replacement);
  return redacted;
}

export interface CoreLog {
  /** Appends one line; never throws (a log that cannot be written must not break the app). */
  write(level: NoticeLevel, message: string): void;
  /** Resolves once every line written so far is on disk (tests, and before exit). */
  flush(): Promise<void>;
  path: string;
}

/**
 * One line per event, in order, rotated at 5 MB, secrets redacted. The caller names the file
 * (`<root>/logs/claude-bottle.log`, state-paths.ts): the log sits below the state layer.
 */
export function createCoreLog(path: string, rotateBytes = LOG_ROTATE_BYTES): CoreLog {
  let queue: Promise<void> = Promise.resolve();
  let failures = 0;
  const append = async (line: string): Promise<void> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // No log yet: nothing to rotate. Any other failure is the write's, said once below.
    const size = await orIfMissing(
      stat(path).then((info) => info.size),
      0,
    );
    if (size + line.length > rotateBytes && size > 0) await rename(path, `${path}.1`);
    await appendFile(path, line, { mode: 0o600 });
  };
  return {
    path,
    write(level, message) {
      const line = `${new Date().toISOString()} ${level.toUpperCase()} ${redactSecrets(message).replace(/[\r\n]+/g, ' ')}\n`;
      queue = queue
        .then(() => append(line))
        .catch((error: unknown) => {
          // Said once on stderr: repeating it for every line would bury what the operator needs.
          if (failures++ === 0) process.stderr.write(`claude-bottle: cannot write the log ${path}: ${String(error)}\n`);
        });
    },
    flush: () => queue,
  };
}
