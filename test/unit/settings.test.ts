import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, readSettings, settingsPath } from '../../src/core/state/settings';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

describe('settings.json', () => {
  it('is optional: no file means the defaults', async () => {
    expect(await readSettings()).toEqual(DEFAULT_SETTINGS);
    expect(settingsPath()).toBe(join(home(), 'settings.json'));
  });

  it.each([
    ['not JSON', '{', /settings\.json: not valid JSON/],
    ['an unknown key', '{"colour": "blue"}', /settings\.json: field "colour"/],
    ['a wrong version', '{"version": 2}', /settings\.json: field "version"/],
  ])('refuses %s with a one-line error naming the file and field', async (_what, text, message) => {
    await writeFile(settingsPath(), text);
    await expect(readSettings()).rejects.toThrow(message);
  });

  it('never follows a symlink', async () => {
    await mkdir(join(home(), 'elsewhere'));
    await writeFile(join(home(), 'elsewhere', 'x.json'), '{}');
    await symlink(join(home(), 'elsewhere', 'x.json'), settingsPath());
    await expect(readSettings()).rejects.toThrow(/settings\.json: cannot read \(ELOOP\)/);
  });
});
