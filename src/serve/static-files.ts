import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { ifExists, LINK_IS_MISSING } from '../core/fs/if-exists';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where the built renderer lives: beside the CLI bundle (out/cli → out/renderer) when run from the
 * package, or out/renderer under the working folder when run from sources (tests).
 */
export function defaultRendererDir(): string {
  const candidates = [resolve(import.meta.dirname, '../renderer'), resolve(process.cwd(), 'out/renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * Reads one file of the renderer build; null for anything outside it or missing (a 404). A build
 * folder that is gone or that the host cannot read is an error (a 500, and a line on stderr),
 * never a page that is "not found".
 */
export async function readStaticFile(rootDir: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch (error: unknown) {
    // A malformed %-escape (URIError) names no file of ours: not found.
    if (error instanceof URIError) return null;
    throw error;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = await realpath(rootDir);
  // realpath resolves symlinks too, so nothing can lead outside the build folder. A path the
  // browser made up (a name too long for any file, or a link loop in it) is simply not there.
  const file = await ifExists(realpath(resolve(root, relative)), [...LINK_IS_MISSING, 'ENAMETOOLONG']);
  if (file === null || (file !== root && !file.startsWith(root + sep))) return null;
  if (!(await stat(file)).isFile()) return null;
  return { body: await readFile(file), contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' };
}
