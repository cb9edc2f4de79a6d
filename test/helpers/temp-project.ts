import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** A fresh, empty project folder for every test in the calling file; returns a getter for it. */
export function useTempProject(): () => string {
  let project = '';
  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'claude-bottle-project-'));
  });
  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
  });
  return () => project;
}
