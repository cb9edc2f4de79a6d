import { describe, expect, it } from 'vitest';
import { gitFolderName, gitFolderRefusal, namesGitFolder } from '../../src/core/changes/relative-path';

describe('names that are git\u2019s own folder on some disk (git\u2019s is_hfs_dotgit / is_ntfs_dotgit)', () => {
  it.each([
    ['.git', 'itself'],
    ['.GIT', 'case folded (macOS, Windows)'],
    ['.Git', 'case folded'],
    ['.git.', 'a trailing dot (NTFS drops it)'],
    ['.git ', 'a trailing space'],
    ['.GiT. . ..', 'trailing dots and spaces mixed'],
    ['git~1', 'the 8.3 short name'],
    ['GIT~1', 'the 8.3 short name, upper case'],
    ['git~1. ', 'the short name with trailing dots and spaces'],
    ['.git::$INDEX_ALLOCATION', 'an NTFS alternate stream of the folder'],
    ['.git:stream', 'any NTFS stream'],
    ['.g\u200cit', 'ZERO WIDTH NON-JOINER (HFS+ ignores it)'],
    ['\u200d.git', 'ZERO WIDTH JOINER first'],
    ['.gi\u200et', 'LEFT-TO-RIGHT MARK'],
    ['.git\u200f', 'RIGHT-TO-LEFT MARK last'],
    ['.\u202aGIT', 'LEFT-TO-RIGHT EMBEDDING'],
    ['.g\u202eit', 'RIGHT-TO-LEFT OVERRIDE'],
    ['.g\u206ait', 'INHIBIT SYMMETRIC SWAPPING'],
    ['.gi\u206ft', 'NOMINAL DIGIT SHAPES'],
    ['\ufeff.git', 'ZERO WIDTH NO-BREAK SPACE'],
  ])('%j is refused (%s)', (name) => {
    expect(namesGitFolder(name)).toBe(true);
    expect(gitFolderName(`${name}/hooks/post-checkout`)).toBe(name);
    expect(gitFolderName(`src/${name}/config`)).toBe(name);
    expect(gitFolderName(`sub/${name}`)).toBe(name);
  });

  it.each([
    '.gitmodules',
    '.gitignore',
    '.gitattributes',
    '.github',
    'git',
    '.gi',
    'git~2',
    'agit~1',
    '.git-rewrite',
    '.gitx',
    'x.git',
    '.git~1',
    '.g\u200bit',
    '.git\u00a0',
  ])('%j is an ordinary name', (name) => {
    expect(namesGitFolder(name)).toBe(false);
    expect(gitFolderName(`${name}/file`)).toBeNull();
  });

  it('a backslash separates names, as on Windows', () => {
    expect(gitFolderName('dir\\.GIT\\hooks')).toBe('.GIT');
    expect(gitFolderName('dir\\notes.txt')).toBeNull();
  });

  it('the note spells the alias out, invisible characters included', () => {
    expect(gitFolderRefusal('.g\u200cit')).toMatch(/^"\.g\\u\{200c\}it" names git's own \.git folder/);
    expect(gitFolderRefusal('.git ')).toContain('".git\\u{20}"');
  });
});
