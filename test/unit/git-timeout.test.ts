import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGitSync } from '../../src/core/changes/git-cli';

const made: string[] = [];
async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('our synchronous git on a hostile repository', () => {
  it('gives up on a HEAD that never answers (a FIFO) instead of blocking the process forever', async () => {
    const repo = await temp('git-fifo-');
    execFileSync('git', ['init', '-q', repo]);
    await rm(join(repo, '.git', 'HEAD'));
    execFileSync('mkfifo', [join(repo, '.git', 'HEAD')]);
    expect(() => runGitSync(['ls-files', '-s', '-z'], repo)).toThrow(/did not finish within 15 s/);
  }, 60_000);
});
