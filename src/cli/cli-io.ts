import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BottleError, errorMessage } from '../core/services/bottle-error';

/** Every command: `run(argv)` resolves to the process exit code. */
export type CliCommand = (argv: string[]) => Promise<number>;

export class UsageError extends BottleError {
  constructor(message: string) {
    super('invalid-argument', message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs with strict options; unknown flags become a one-line UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error: unknown) {
    throw new UsageError(`${errorMessage(error)} (usage: ${usage})`);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human output goes to stderr when --json owns stdout, so stdout stays one JSON document. */
export function info(message: string, json = false): void {
  (json ? process.stderr : process.stdout).write(`${message}\n`);
}

export function fail(error: unknown): number {
  process.stderr.write(`claude-bottle: ${errorMessage(error)}\n`);
  return 1;
}

/** True when a person can answer a question here: stdin and stdout are both a terminal. */
export function onTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** Asks a yes/no question on the terminal; anything but y/yes is a no. */
export async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^\s*y(es)?\s*$/i.test(await prompt.question(question));
  } finally {
    prompt.close();
  }
}
