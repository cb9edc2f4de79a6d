import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUT = join(import.meta.dirname, '..', '..', 'out');
const built = await readFile(join(OUT, 'preload', 'index.cjs'), 'utf8').catch(() => null);
// `npm test` builds first; a bare `vitest run` on a fresh clone has nothing to inspect yet.
const skip = built === null && process.env.CI !== 'true';

describe.skipIf(skip)(`electron-vite build output${skip ? ' (skipped: run `npm run build` first)' : ''}`, () => {
  it('emits a CommonJS preload that requires nothing but electron (a sandboxed preload cannot load more)', () => {
    expect(built).not.toBeNull();
    const text = built as string;
    expect(text).not.toMatch(/^\s*import\s/m);
    expect([...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(text).toContain('exposeInMainWorld');
    expect(text).not.toContain('ipcRenderer.send(');
  });

  it('ships a renderer page with a strict CSP', async () => {
    const html = await readFile(join(OUT, 'renderer', 'index.html'), 'utf8');
    const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("object-src 'none'");
  });
});
