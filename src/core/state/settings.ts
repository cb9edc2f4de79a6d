import { join } from 'node:path';
import { z } from 'zod';
import { readRegularFile } from '../fs/read-regular-file';
import { BottleError } from '../services/bottle-error';
import { claudeBottleRoot } from './state-paths';

/**
 * The operator's defaults, `<root>/settings.json` (DESIGN.md §2): every key optional, every value
 * checked. Each feature adds its own key here with its default; readers get a complete object.
 */
const settingsSchema = z
  .object({
    /** Reserved so the file can say which format it is written in. */
    version: z.literal(1).optional(),
    /**
     * Copy the operator's own agent setup (for Claude Code: ~/.claude's CLAUDE.md, settings.json,
     * agents/, commands/, skills/) into a new bottle of an agent that declares hostConfig.
     */
    copyHostConfig: z.boolean().optional(),
  })
  .strict();

export type Settings = Required<z.infer<typeof settingsSchema>>;

export const DEFAULT_SETTINGS: Settings = { version: 1, copyHostConfig: true };

const MAX_SETTINGS_BYTES = 64 * 1024;

export function settingsPath(): string {
  return join(claudeBottleRoot(), 'settings.json');
}

/** The settings, with defaults for what the file leaves out; no file means all defaults. */
export async function readSettings(): Promise<Settings> {
  const path = settingsPath();
  let text: string;
  try {
    text = await readRegularFile(path, MAX_SETTINGS_BYTES);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_SETTINGS };
    throw new BottleError('invalid-argument', `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BottleError('invalid-argument', `${path}: not valid JSON`);
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)';
    throw new BottleError('invalid-argument', `${path}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  return { ...DEFAULT_SETTINGS, ...stripUndefined(parsed.data) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
