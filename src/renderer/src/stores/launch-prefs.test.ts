import { describe, expect, it } from 'vitest';
import { readLaunchPrefs } from './launch-store';

const storage = (value: string | null): Pick<Storage, 'getItem'> => ({ getItem: () => value });

describe('readLaunchPrefs', () => {
  it('reads the remembered agent and mode', () => {
    expect(readLaunchPrefs(storage('{"agent":"codex","copy":true}'))).toEqual({ agent: 'codex', copy: true });
  });

  it('falls back to none for a missing, broken or foreign value, and never remembers autonomous', () => {
    expect(readLaunchPrefs(storage(null))).toEqual({ agent: '', copy: false });
    expect(readLaunchPrefs(storage('{not json'))).toEqual({ agent: '', copy: false });
    expect(readLaunchPrefs(storage('{"agent":3,"copy":"yes","autonomous":true}'))).toEqual({ agent: '', copy: false });
    expect(readLaunchPrefs(undefined)).toEqual({ agent: '', copy: false });
  });
});
