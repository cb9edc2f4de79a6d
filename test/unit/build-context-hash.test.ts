import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashBuildContext } from '../../src/core/engine/image-build';

const made: string[] = [];
async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the build-context hash trust is pinned to', () => {
  it('cannot be forged by a link target that spells out entries of its own', async () => {
    // With plain "l name target" lines, a link to "X\nd b" hashed as a link to "X" plus a folder b.
    const forged = await temp('hash-forged-');
    await symlink('X\nd b', join(forged, 'a'));
    const plain = await temp('hash-plain-');
    await symlink('X', join(plain, 'a'));
    await mkdir(join(plain, 'b'));
    expect(await hashBuildContext(forged)).not.toBe(await hashBuildContext(plain));
  });
});
