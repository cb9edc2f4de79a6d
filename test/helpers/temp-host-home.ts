import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * Points HOME (where the operator's ~/.claude is read) at a fresh temporary folder for every test
 * in the calling file: no test ever reads or writes the operator's real home.
 */
export function useTempHostHome(): () => string {
  let home = '';
  const previous = process.env.HOME;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'claude-bottle-host-home-'));
    process.env.HOME = home;
  });
  afterEach(async () => {
    if (previous === undefined) delete process.env.HOME;
    else process.env.HOME = previous;
    await rm(home, { recursive: true, force: true });
  });
  return () => home;
}
