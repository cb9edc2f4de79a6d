/**
 * Bottle identity rules (DESIGN.md §2). Pure: imported by main, preload, renderer and the CLI.
 * Every identity that arrives from outside goes through `parseIdentity` before any path is built.
 */
export const IDENTITY_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const IDENTITY_MAX_LENGTH = 64;

export function isValidIdentity(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= IDENTITY_MAX_LENGTH && IDENTITY_PATTERN.test(value);
}

export class InvalidIdentityError extends Error {
  constructor(value: unknown) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
    super(
      `invalid bottle identity ${shown}: expected lowercase letters, digits and single dashes, at most ${IDENTITY_MAX_LENGTH} characters`,
    );
    this.name = 'InvalidIdentityError';
  }
}

/** Returns the identity unchanged when valid; throws a one-line InvalidIdentityError otherwise. */
export function parseIdentity(value: unknown): string {
  if (!isValidIdentity(value)) throw new InvalidIdentityError(value);
  return value;
}

/** "My Agent" → "my-agent"; an empty result becomes "bottle". */
export function slugifyAgentName(agentName: string): string {
  const slug = agentName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'bottle' : slug;
}
