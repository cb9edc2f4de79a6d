import { randomInt } from 'node:crypto';
import { IDENTITY_MAX_LENGTH, slugifyAgentName } from '../../shared/identity';

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const SUFFIX_LENGTH = 5;

function randomSuffix(): string {
  let suffix = '';
  // randomInt draws from the CSPRNG without modulo bias.
  for (let i = 0; i < SUFFIX_LENGTH; i += 1) suffix += BASE36[randomInt(BASE36.length)];
  return suffix;
}

/**
 * A fresh identity for every launch: `<slug>-<5 base36 chars>`. The slug is cut so the whole
 * identity stays within the 64-character limit every entry point enforces.
 */
export function bottleIdentity(agentName: string): string {
  const maxSlug = IDENTITY_MAX_LENGTH - SUFFIX_LENGTH - 1;
  const slug = slugifyAgentName(agentName).slice(0, maxSlug).replace(/-+$/, '') || 'bottle';
  return `${slug}-${randomSuffix()}`;
}
