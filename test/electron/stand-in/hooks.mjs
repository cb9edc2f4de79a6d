// ESM resolve hook: `electron` resolves to the stand-in beside this file, for every importer.
const STAND_IN = new URL('./electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: STAND_IN, shortCircuit: true, format: 'module' };
  return nextResolve(specifier, context);
}
