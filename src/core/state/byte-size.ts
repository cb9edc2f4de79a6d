/** Sizes an operator writes: `2G`, `500M`, `64k`, `1048576` (binary multiples; a trailing `B`/`iB` is fine). */
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i;
const MULTIPLIERS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** The size in bytes, or null when the text is not a size. */
export function parseByteSize(text: string): number | null {
  const match = SIZE.exec(text);
  if (match === null) return null;
  const bytes = Math.floor(Number(match[1]) * (MULTIPLIERS[(match[2] ?? '').toLowerCase()] ?? 1));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}
