import { describe, expect, it } from 'vitest';
import { readLaunchFolded, showsFolded } from './launch-fold-store';

const storage = (value: string | null): Pick<Storage, 'getItem'> => ({ getItem: () => value });
const shown = { hasBottles: true, docked: false, folded: true, openWhileDocked: false, starting: false };

describe('the start panel fold', () => {
  it('remembers open; anything else (nothing yet, a foreign value, no storage) reads as folded', () => {
    expect(readLaunchFolded(storage('open'))).toBe(false);
    expect(readLaunchFolded(storage('folded'))).toBe(true);
    expect(readLaunchFolded(storage(null))).toBe(true);
    expect(readLaunchFolded(storage('{"x":1}'))).toBe(true);
    expect(readLaunchFolded(undefined)).toBe(true);
  });

  it('is always open with no bottles (first run), folded or not by choice once they exist', () => {
    expect(showsFolded({ ...shown, hasBottles: false })).toBe(false);
    expect(showsFolded({ ...shown, hasBottles: false, docked: true })).toBe(false);
    expect(showsFolded(shown)).toBe(true);
    expect(showsFolded({ ...shown, folded: false })).toBe(false);
  });

  it('stays open while a start is under way (its first card does not fold it before the start answers)', () => {
    expect(showsFolded({ ...shown, starting: true })).toBe(false);
    expect(showsFolded({ ...shown, starting: true, docked: true, folded: false })).toBe(false);
  });

  it('folds while a view is docked even when kept open, until opened again during that docking', () => {
    expect(showsFolded({ ...shown, folded: false, docked: true })).toBe(true);
    expect(showsFolded({ ...shown, folded: false, docked: true, openWhileDocked: true })).toBe(false);
  });
});
