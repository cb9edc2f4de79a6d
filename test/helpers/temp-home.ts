import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * Points CLAUDE_BOTTLE_HOME at a fresh temporary folder for every test in the calling file,
 * so no test ever touches the operator's real ~/.claude-bottle. Returns a getter for the path.
 */
export function useTempHome(): () => string {
  let home = '';
  const previous = process.env.CLAUDE_BOTTLE_HOME;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'claude-bottle-test-'));
    process.env.CLAUDE_BOTTLE_HOME = home;
  });
  afterEach(async () => {
    if (previous === undefined) delete process.env.CLAUDE_BOTTLE_HOME;
    else process.env.CLAUDE_BOTTLE_HOME = previous;
    await rm(home, { recursive: true, force: true });
  });
  return () => home;
}
