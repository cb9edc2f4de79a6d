import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BottleError, errorMessage } from '../core/base/bottle-error';
import type { DisposableStore } from '../core/base/disposable';
import { escapeControl, escapeJsonText } from '../shared/escape-text';

/**
 * Every command: `run(argv, owner)` resolves to the process exit code. What it opens (its core,
 * and through it every stream and engine connection) it registers with `owner`, which main closes
 * when the command is done.
 */
export type CliCommand = (argv: string[], owner: DisposableStore) => Promise<number>;

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
    throw new UsageError(`${parseErrorText(error)} (usage: ${usage})`);
  }
}

/**
 * parseArgs' own messages run over lines and explain its syntax ("place it at the end of the
 * command after '--'"); the operator gets what was wrong, in our words, on one line.
 */
function parseErrorText(error: unknown): string {
  const message = errorMessage(error);
  const option = /'(-{1,2}[^'\s]*)/.exec(message)?.[1]?.slice(0, 40) ?? '';
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${escapeControl(option)}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = escapeControl(option);
    if (/does not take/.test(message)) return `${name} takes no value`;
    if (/ambiguous/.test(message)) return `${name} needs a value (one starting with "-" is given as ${name}=VALUE)`;
    return `${name} needs a value`;
  }
  return message.replace(/\s*\n\s*/g, ' ');
}

/*
 * Every byte the CLI prints for a person goes through writeText (or info, fail, printJson, which
 * use it). Much of it was written by an agent or a repository: file names, diff lines, link
 * targets, reasons, build output, error messages that echo a path. A terminal obeys the escape
 * sequences in such text (erase the line being read, retitle the window, OSC 52: write the
 * clipboard), and bidi overrides make it read as something else; so control and bidi characters
 * are shown as escapes, by the UI's own rule (escapeControl). `logs` and `attach` are the agent's
 * terminal stream and never come here; `--raw` on `diff` asks for the text as it is.
 */

export interface WriteOptions {
  /** stderr instead of stdout (when --json owns stdout). */
  stderr?: boolean;
  /** Exactly as given, escapes and all: only where the operator asked for it (`--raw`). */
  raw?: boolean;
}

/** Writes text for a person: line feeds and tabs as they are, every other control shown escaped. */
export function writeText(text: string, options: WriteOptions = {}): void {
  (options.stderr === true ? process.stderr : process.stdout).write(options.raw === true ? text : escapeControl(text));
}

/** One JSON document on stdout: the same value to any reader, with nothing a terminal would obey. */
export function printJson(value: unknown): void {
  process.stdout.write(`${escapeJsonText(JSON.stringify(value, null, 2))}\n`);
}

/** JSON Lines on stdout: one compact JSON document a line, each as printJson makes it safe; none for an empty list. */
export function printJsonLines(values: readonly unknown[]): void {
  process.stdout.write(values.map((value) => `${escapeJsonText(JSON.stringify(value))}\n`).join(''));
}

/** Human output goes to stderr when --json owns stdout, so stdout stays one JSON document. */
export function info(message: string, json = false): void {
  writeText(`${message}\n`, { stderr: json });
}

export function fail(error: unknown): number {
  writeText(`claude-bottle: ${errorMessage(error)}\n`, { stderr: true });
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
    return /^\s*y(es)?\s*$/i.test(await prompt.question(escapeControl(question)));
  } finally {
    prompt.close();
  }
}
