import { describe, expect, it } from 'vitest';
import { threeWayMerge } from '../../src/core/changes/three-way-merge';

const BASE = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';

describe('threeWayMerge', () => {
  it('takes each side’s change where only that side changed the lines', () => {
    const ours = BASE.replace('two', 'TWO');
    const theirs = BASE.replace('six', 'SIX');
    expect(threeWayMerge(BASE, ours, theirs)).toEqual({
      text: BASE.replace('two', 'TWO').replace('six', 'SIX'),
      conflicts: 0,
      gaveUp: false,
    });
  });

  it('takes a change both sides made alike once', () => {
    const both = BASE.replace('four', 'FOUR');
    expect(threeWayMerge(BASE, both, both).text).toBe(both);
  });

  it('marks the lines both changed differently, the project folder’s version first', () => {
    const result = threeWayMerge(BASE, BASE.replace('four', 'four by you'), BASE.replace('four', 'four by the agent'));
    expect(result.conflicts).toBe(1);
    expect(result.text).toBe(
      'one\ntwo\nthree\n<<<<<<< yours (project folder)\nfour by you\n=======\nfour by the agent\n>>>>>>> agent\nfive\nsix\nseven\n',
    );
  });

  it('keeps additions at both ends and a last line without a line end', () => {
    const ours = `zero\n${BASE}`;
    const theirs = `${BASE}eight`;
    expect(threeWayMerge(BASE, ours, theirs)).toMatchObject({ text: `zero\n${BASE}eight`, conflicts: 0 });
    const clash = threeWayMerge('a\n', 'a\nb', 'a\nc');
    expect(clash.text).toBe('a\n<<<<<<< yours (project folder)\nb\n=======\nc\n>>>>>>> agent\n');
  });

  it('merges from an empty base (both added the file)', () => {
    expect(threeWayMerge('', 'same\n', 'same\n')).toMatchObject({ text: 'same\n', conflicts: 0 });
    expect(threeWayMerge('', 'x\n', 'y\n')).toMatchObject({ conflicts: 1 });
  });

  it('takes a deletion on one side', () => {
    expect(threeWayMerge(BASE, BASE.replace('three\n', ''), BASE.replace('seven', 'SEVEN')).text).toBe(
      BASE.replace('three\n', '').replace('seven', 'SEVEN'),
    );
  });
});
