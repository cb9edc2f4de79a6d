import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Found once per process: where the app's files are shipped does not change while it runs. */
let cached: string | undefined;

/**
 * The app's shipped `resources/` folder (built-in agents, the in-bottle tool). Found by walking up
 * from this module, so the same code works from src/ (tests), out/main (Electron) and out/cli.
 */
export function resourcesDir(): string {
  if (cached !== undefined) return cached;
  const fromEnv = process.env.CLAUDE_BOTTLE_RESOURCES;
  if (fromEnv !== undefined && fromEnv !== '') return (cached = fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'bottle', 'bin', 'capability-block'))) return (cached = candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the app resources folder (resources/bottle/bin/capability-block)');
    dir = parent;
  }
}

export function builtinAgentsDir(): string {
  return join(resourcesDir(), 'agents');
}

/** Mounted read-only at /opt/claude-bottle in every bottle. */
export function bottleToolDir(): string {
  return join(resourcesDir(), 'bottle');
}
