import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The core's layering, checked from its sources: ESLint forbids each import that runs up the order
// (eslint.config.js), this finds what a per-import rule cannot see: a cycle between files of one
// folder, and a folder the lint rules do not know.

const ROOT = resolve(import.meta.dirname, '..', '..');
const CORE = join(ROOT, 'src', 'core');

type Graph = ReadonlyMap<string, readonly string[]>;

/** Every TypeScript file under `dir`, absolute. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The file a relative specifier names, as the bundler resolves it; null outside the sources. */
function resolveImport(from: string, specifier: string, files: Set<string>): string | null {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((candidate) => files.has(candidate)) ?? null;
}

/**
 * Each core file (relative to src/core) and the core files it imports: `import`, `import type`,
 * `export … from` and `import()` alike, since a cycle of types is a cycle of meaning.
 */
function coreImportGraph(): Graph {
  const files = new Set(sourceFiles(CORE));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imported = ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
      .map(({ fileName }) => resolveImport(file, fileName, files))
      .filter((target): target is string => target !== null)
      .map((target) => relative(CORE, target));
    graph.set(relative(CORE, file), [...new Set(imported)]);
  }
  return graph;
}

/** One cycle of the graph as the path that closes it (first node repeated at the end), or null. */
function findCycle(graph: Graph): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') return [...path.slice(path.indexOf(next)), next];
      if (seen === undefined) {
        const found = visit(next);
        if (found !== null) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found !== null) return found;
  }
  return null;
}

/** The layer of a core file: its folder, or create-core for the files at the top. */
function layerOf(file: string): string {
  return file.includes('/') ? (file.split('/')[0] ?? file) : 'create-core';
}

describe('layers of src/core', () => {
  it('the cycle finder finds a cycle it is shown, and none where there is none', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['x', ['x']]]))).toEqual(['x', 'x']);
    expect(
      findCycle(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toBeNull();
  });

  it('no file of the core imports, through any chain, a file that imports it', () => {
    const graph = coreImportGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(findCycle(graph)?.join(' → ') ?? null).toBeNull();
  });

  it('every folder of the core is a layer of eslint.config.js, and every import between folders goes down its order', async () => {
    const config = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { CORE_LAYERS: string[] };
    const order = [...config.CORE_LAYERS, 'create-core'];
    const graph = coreImportGraph();
    expect([...new Set([...graph.keys()].map(layerOf))].filter((layer) => !order.includes(layer))).toEqual([]);
    const upward = [...graph].flatMap(([file, imported]) =>
      imported.filter((target) => order.indexOf(layerOf(target)) > order.indexOf(layerOf(file))).map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });
});
