import { describe, expect, it } from 'vitest';
import { cleanRelativePath, isGitInternal } from '../../src/core/changes/relative-path';
import { parseProbeListing } from '../../src/core/changes/workspace-probe';
import { branchNameProblem } from '../../src/shared/rules';
import { branchNameSchema } from '../../src/shared/validation';

describe('what arrives from a bottle is checked before it names anything on the host', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['a b/c\td', 'a b/c\td'],
    ['../etc/passwd', null],
    ['a/../../b', null],
    ['/etc/passwd', null],
    ['a//b', null],
    ['./a', null],
    ['a/', null],
    ['', null],
    ['nul\0byte', null],
  ])('workspace path %j → %j', (raw, clean) => {
    expect(cleanRelativePath(raw)).toBe(clean);
  });

  it('never treats git internals as files', () => {
    expect(['.git', '.git/config', 'sub/.git', 'sub/.git/HEAD'].every(isGitInternal)).toBe(true);
    expect(['.gitignore', 'a.git', 'git/x'].some(isGitInternal)).toBe(false);
  });

  it('parses the in-bottle listing, and refuses it whole when a line does not parse', () => {
    const listing = [
      '4096 1700000000 1700000001 41ed 10 /workspace',
      '6 1700000000 1700000001 81a4 11 /workspace/a file.txt',
      '8 1700000002 1700000003 a1ff 12 /workspace/link',
      '4096 1700000000 1700000001 41ed 13 /workspace/dir',
      '0 1700000000 1700000001 11b6 14 /workspace/fifo',
      '',
    ].join('\n');
    expect(parseProbeListing(listing)).toEqual([
      { path: 'a file.txt', kind: 'file', size: 6, mtimeMs: 1700000000000, ctimeMs: 1700000001000, mode: 0o644, ino: 11 },
      { path: 'link', kind: 'symlink', size: 8, mtimeMs: 1700000002000, ctimeMs: 1700000003000, mode: 0o777, ino: 12 },
      { path: 'dir', kind: 'dir', size: 4096, mtimeMs: 1700000000000, ctimeMs: 1700000001000, mode: 0o755, ino: 13 },
    ]);
    // A name with a line break splits its line: the whole listing is refused (the archive is read instead).
    expect(() => parseProbeListing('6 1 1 81a4 11 /workspace/evil\nname\n')).toThrow(/did not parse/);
    expect(() => parseProbeListing('6 1 1 81a4 11 /workspace/../etc/passwd\n')).toThrow(/invalid path/);
    expect(() => parseProbeListing('6 1 1 81a4 11 /elsewhere/x\n')).toThrow(/did not parse/);
  });

  it.each([
    ['agent/work-1', null],
    ['feature.x', null],
    ['', 'enter a branch name'],
    ['has space', expect.stringContaining('no spaces')],
    ['a..b', expect.stringContaining('..')],
    ['-flag', expect.stringContaining('cannot start with -')],
    ['x.lock', expect.stringContaining('.lock')],
    ['a/.hidden', expect.stringContaining('start with .')],
    ['we@{ird', expect.stringContaining('@{')],
    ['tilde~1', expect.stringContaining('~')],
  ])('branch name %j → %j', (name, problem) => {
    expect(branchNameProblem(name)).toEqual(problem);
    expect(branchNameSchema.safeParse(name).success).toBe(problem === null);
  });
});
