import { MAX_SECRET_BYTES } from './credential-store';

/*
 * What a stored secret must look like before `credentials set` keeps it (issue 20): a value that
 * is not of its kind (a pasted sentence, half a key, one of our own placeholders copied out of a
 * bottle) would otherwise be stored and show as signed in, and every bottle would then fail.
 */

/** In every placeholder a bottle gets instead of a real secret (credential-placeholders.ts). */
export const PLACEHOLDER_MARK = 'claude-bottle-placeholder';

interface Shape {
  prefix: string;
  /** What the operator is told the value should be. */
  what: string;
}

/** Anthropic's own formats: `sk-ant-api03-…` keys, `sk-ant-oat01-…` tokens (`claude setup-token`). */
const SHAPES: Record<string, Shape> = {
  ANTHROPIC_API_KEY: { prefix: 'sk-ant-api', what: 'an Anthropic API key (sk-ant-api…)' },
  CLAUDE_CODE_OAUTH_TOKEN: { prefix: 'sk-ant-oat', what: 'a token from `claude setup-token` (sk-ant-oat…)' },
};

/** Far outside the lengths of real keys and tokens (about 110 characters today) on both sides. */
const MIN_KEY_CHARS = 40;
const MAX_KEY_CHARS = 300;
const KEY_CHARS = /^[A-Za-z0-9_-]+$/;
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/** Why `value` cannot be stored as `name` (one line), or null when it looks like one. */
export function secretValueProblem(name: string, value: string): string | null {
  if (value === '') return `no value for ${name}`;
  if (value.includes(PLACEHOLDER_MARK))
    return `that is a claude-bottle placeholder (what a bottle holds instead of the real ${name}), not the value itself`;
  if (WHITESPACE_OR_CONTROL.test(value)) return `that does not look like a ${name}: it contains spaces or control characters`;
  if (Buffer.byteLength(value) > MAX_SECRET_BYTES) return `that does not look like a ${name}: over ${MAX_SECRET_BYTES / 1024} KiB`;
  const shape = Object.hasOwn(SHAPES, name) ? SHAPES[name] : undefined;
  if (shape === undefined) return null;
  if (!value.startsWith(shape.prefix)) return `that does not look like ${shape.what}: it does not start with ${shape.prefix}`;
  if (value.length < MIN_KEY_CHARS || value.length > MAX_KEY_CHARS)
    return `that does not look like ${shape.what}: ${value.length} characters (expected ${MIN_KEY_CHARS}–${MAX_KEY_CHARS})`;
  if (!KEY_CHARS.test(value)) return `that does not look like ${shape.what}: it has characters other than letters, digits, - and _`;
  return null;
}
