import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchBottleRef, resolveBottleRef } from '../../src/core/services/bottle-ref';
import { writeBottleOptions } from '../../src/core/state/bottle-options';
import { bottlePaths, stateRoot } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

const BOTTLES = [
  { identity: 'dev-abcde', name: null },
  { identity: 'dev-fghij', name: 'web' },
  { identity: 'dev-klmno', name: null },
  { identity: 'claude-xyz12', name: 'dev' },
];

describe('a bottle reference: identity, unique prefix or suffix, name', () => {
  it('an exact identity wins, then a name, then one prefix or suffix; more than one is ambiguous', () => {
    expect(matchBottleRef('dev-klmno', BOTTLES)).toEqual({ kind: 'one', identity: 'dev-klmno' });
    expect(matchBottleRef('web', BOTTLES)).toEqual({ kind: 'one', identity: 'dev-fghij' });
    // A name beats the identities it is a prefix of: the operator chose it.
    expect(matchBottleRef('dev', BOTTLES)).toEqual({ kind: 'one', identity: 'claude-xyz12' });
    expect(matchBottleRef('claude', BOTTLES)).toEqual({ kind: 'one', identity: 'claude-xyz12' });
    expect(matchBottleRef('dev-f', BOTTLES)).toEqual({ kind: 'one', identity: 'dev-fghij' });
    expect(matchBottleRef('lmno', BOTTLES)).toEqual({ kind: 'one', identity: 'dev-klmno' });
    expect(matchBottleRef('dev-', BOTTLES)).toEqual({ kind: 'ambiguous', candidates: ['dev-abcde', 'dev-fghij', 'dev-klmno'] });
    expect(matchBottleRef('nothere', BOTTLES)).toEqual({ kind: 'none' });
  });

  it('resolves against the state folder, with one-line errors for none and for several', async () => {
    for (const { identity, name } of BOTTLES) {
      await mkdir(bottlePaths(identity).dir, { recursive: true });
      if (name !== null) await writeBottleOptions(identity, { autonomous: false, name, task: null });
    }
    const noContainer = async (): Promise<boolean> => false;
    expect(await resolveBottleRef('dev-abcde', noContainer)).toBe('dev-abcde');
    expect(await resolveBottleRef('web', noContainer)).toBe('dev-fghij');
    expect(await resolveBottleRef('ghij', noContainer)).toBe('dev-fghij');
    await expect(resolveBottleRef('dev-', noContainer)).rejects.toThrow(/^"dev-" matches 3 bottles: dev-abcde, dev-fghij, dev-klmno$/);
    await expect(resolveBottleRef('nothere', noContainer)).rejects.toThrow(/^no bottle nothere \(no container, no state under .*\)$/);
    await expect(resolveBottleRef('Web.2', noContainer)).rejects.toThrow(/^no bottle Web\.2 /);
  });

  it('a full identity with a folder costs no listing and no engine call; one without is taken only when its container exists', async () => {
    await mkdir(bottlePaths('dev-abcde').dir, { recursive: true });
    const asked: string[] = [];
    const orphan = async (identity: string): Promise<boolean> => {
      asked.push(identity);
      return identity === 'orphan-aaaaa';
    };
    expect(await resolveBottleRef('dev-abcde', orphan)).toBe('dev-abcde');
    expect(asked).toEqual([]);
    expect(await resolveBottleRef('orphan-aaaaa', orphan)).toBe('orphan-aaaaa');
    await expect(resolveBottleRef('gone-bbbbb', orphan)).rejects.toThrow(/^no bottle gone-bbbbb /);
    // A name is never looked for on the engine: only an identity has a container.
    await expect(resolveBottleRef('Web.2', orphan)).rejects.toThrow(/^no bottle Web\.2 /);
    expect(asked).toEqual(['orphan-aaaaa', 'gone-bbbbb']);
  });

  it('an ambiguous reference lists ten candidates and counts the rest', async () => {
    for (let index = 0; index < 13; index += 1) await mkdir(bottlePaths(`many-${String(index).padStart(5, '0')}`).dir, { recursive: true });
    await expect(resolveBottleRef('many', async () => false)).rejects.toThrow(
      /^"many" matches 13 bottles: many-00000, .*many-00009 and 3 more$/,
    );
  });

  it.each([['../state'], ['/etc/passwd'], ['a/b'], ['..'], ['x\u001b[2J'], ['dev\n'], [''], ['n'.repeat(65)]])(
    'refuses the hostile reference %j before reading anything',
    async (ref) => {
      await expect(resolveBottleRef(ref, async () => true)).rejects.toThrow(
        /^invalid bottle identity ".*": expected an identity, a unique part of one, or a bottle name$/,
      );
    },
  );

  it('a symlink in the state folder is never a bottle a prefix picks', async () => {
    await mkdir(join(home(), 'elsewhere', 'link-aaaaa'), { recursive: true });
    await mkdir(stateRoot(), { recursive: true });
    await symlink(join(home(), 'elsewhere', 'link-aaaaa'), join(stateRoot(), 'link-aaaaa'));
    await expect(resolveBottleRef('link', async () => false)).rejects.toThrow(/^no bottle link /);
    await mkdir(bottlePaths('link-bbbbb').dir, { recursive: true });
    expect(await resolveBottleRef('link', async () => false)).toBe('link-bbbbb');
  });
});
