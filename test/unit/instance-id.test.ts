import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOwnContainer } from '../../src/core/engine/bottle-containers';
import { instanceId } from '../../src/core/state/instance-id';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

describe("the state root's instance id", () => {
  it('is minted once into <root>/instance-id (0600) and read back from it after', async () => {
    const id = instanceId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(readFileSync(join(home(), 'instance-id'), 'utf8')).toBe(`${id}\n`);
    expect(statSync(join(home(), 'instance-id')).mode & 0o777).toBe(0o600);
    expect(instanceId()).toBe(id);
  });

  it('is whatever the file holds (another process may have written it first)', async () => {
    await writeFile(join(home(), 'instance-id'), `${'a'.repeat(32)}\n`);
    expect(instanceId()).toBe('a'.repeat(32));
  });

  it('refuses a file that holds anything else, and never replaces it', async () => {
    await writeFile(join(home(), 'instance-id'), 'not an id');
    expect(() => instanceId()).toThrow(/instance-id does not hold an instance id/);
    expect(readFileSync(join(home(), 'instance-id'), 'utf8')).toBe('not an id');
  });
});

describe('whose container it is', () => {
  it('ours by our label; never by another label; unlabelled only with a state folder here', async () => {
    await writeFile(join(home(), 'instance-id'), `${'b'.repeat(32)}\n`);
    const labels = (extra: Record<string, string>): Record<string, string> => ({
      'claude-bottle.managed': 'true',
      'claude-bottle.identity': 'dev-abcde',
      ...extra,
    });
    expect(isOwnContainer(labels({ 'claude-bottle.instance': 'b'.repeat(32) }))).toBe(true);
    expect(isOwnContainer(labels({ 'claude-bottle.instance': 'c'.repeat(32) }))).toBe(false);
    expect(isOwnContainer(labels({}))).toBe(false);
    await mkdir(join(home(), 'state', 'dev-abcde'), { recursive: true });
    expect(isOwnContainer(labels({}))).toBe(true);
    // A state folder here does not make another instance's labelled container ours.
    expect(isOwnContainer(labels({ 'claude-bottle.instance': 'c'.repeat(32) }))).toBe(false);
    expect(isOwnContainer(labels({ 'claude-bottle.identity': '../etc' }))).toBe(false);
  });
});
