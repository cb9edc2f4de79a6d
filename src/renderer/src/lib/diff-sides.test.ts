import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { diffSides } from './diff-sides';

describe('diffSides', () => {
  it('rebuilds the start version from the agent version and the diff', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nB\nc\nd\ne\nf\ng\nh\ni\n';
    expect(diffSides(createTwoFilesPatch('a/x', 'b/x', before, after), after)).toEqual({ before, after });
  });

  it('gives an added file an empty start and a deleted one its old text', () => {
    expect(diffSides(createTwoFilesPatch('a/x', 'b/x', '', 'new\n'), 'new\n')).toEqual({ before: '', after: 'new\n' });
    expect(diffSides(createTwoFilesPatch('a/x', 'b/x', 'old\n', ''), '')).toEqual({ before: 'old\n', after: '' });
  });

  it('refuses a diff that does not fit the text', () => {
    expect(diffSides(createTwoFilesPatch('a/x', 'b/x', 'one\n', 'two\n'), 'three\n')).toBeNull();
  });
});
