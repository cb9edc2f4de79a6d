import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint rule that keeps catches honest (eslint.config.js, NO_SILENT_CATCH), run by ESLint itself
// with the project's config on scratch text given the name of a real file of each folder (the
// type-aware parser only takes files the tsconfig knows; the file on disk is not read).

const ROOT = resolve(import.meta.dirname, '..', '..');

// Each form once, in one text, so that each folder costs one type-aware pass per text.
const SILENT = `
export async function bare(p: Promise<number>): Promise<number | null> {
  try {
    return await p;
  } catch {
    return null;
  }
}
export async function noError(p: Promise<number>): Promise<number | null> {
  return p.catch(() => null);
}
export async function noErrorInThen(p: Promise<number>): Promise<number | null> {
  return p.then((n) => n, () => null);
}
`;
const NAMED = `
export async function named(p: Promise<number>): Promise<number | null> {
  try {
    return await p;
  } catch (error: unknown) {
    // Meant: a test.
    return null;
  }
}
export async function namedHandler(p: Promise<number>): Promise<number | null> {
  return p.catch((_error: unknown) => null);
}
export async function onlyThen(p: Promise<number>): Promise<number> {
  return p.then(() => 1);
}
`;

/** A real TypeScript file of `folder` (relative to the root), named for the linter. */
function fileIn(folder: string): string {
  const name = readdirSync(join(ROOT, folder)).find(
    (entry) => entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts'),
  );
  if (name === undefined) throw new Error(`no TypeScript file in ${folder}`);
  return join(folder, name);
}

const eslint = new ESLint({ cwd: ROOT });

async function restrictedSyntax(filePath: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-syntax' || message.fatal === true)
    .map((message) => message.message);
}

describe('ESLint refuses a silent catch', () => {
  it('a catch without a binding, and a rejection handler that takes no error, in every folder it covers', async () => {
    const config = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { CORE_LAYERS: string[] };
    const covered = config.CORE_LAYERS.map((layer) => fileIn(`src/core/${layer}`));
    for (const file of [...covered, 'src/core/create-core.ts', fileIn('src/serve'), fileIn('src/main'), fileIn('src/cli')]) {
      expect(await restrictedSyntax(file, SILENT), file).toEqual([0, 1, 2].map(() => expect.stringMatching(/^a silent catch/) as string));
      expect(await restrictedSyntax(file, NAMED), file).toEqual([]);
    }
  }, 120_000);
});
