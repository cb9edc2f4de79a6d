import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../src/core/state/byte-size';
import { bottleCpus, readLimits } from '../../src/core/state/limits';
import { DEFAULT_SETTINGS, readSettings } from '../../src/core/state/settings';
import { useTempHome } from '../helpers/temp-home';
import { settingsPath } from '../../src/core/state/state-paths';

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
    ['a size that is not one', '{"maxSnapshotBytes": "lots"}', /field "maxSnapshotBytes": must be a size/],
    ['a negative size', '{"maxInboxBytes": -1}', /field "maxInboxBytes"/],
    ['no CPUs', '{"cpus": 0}', /field "cpus"/],
    ['a bad log size', '{"logMaxSize": "10 MB"}', /field "logMaxSize"/],
    ['a gateway switch that is no boolean', '{"gatewayNetwork": "yes"}', /field "gatewayNetwork"/],
    [
      'a gateway base that would add a Dockerfile line',
      '{"gatewayBaseImage": "node:22\\nRUN curl evil"}',
      /field "gatewayBaseImage": must be an image name/,
    ],
    ['a gateway base that is an option', '{"gatewayBaseImage": "--help"}', /field "gatewayBaseImage"/],
  ])('refuses %s with a one-line error naming the file and field', async (_what, text, message) => {
    await writeFile(settingsPath(), text);
    await expect(readSettings()).rejects.toThrow(message);
  });

  it('the gateway network is on by default, and its base image is node:22-slim; false turns it off', async () => {
    expect(await readSettings()).toMatchObject({ gatewayNetwork: true, gatewayBaseImage: 'node:22-slim' });
    await writeFile(settingsPath(), '{"gatewayNetwork": false, "gatewayBaseImage": "registry.example/node@sha256:abc"}');
    expect(await readSettings()).toMatchObject({ gatewayNetwork: false, gatewayBaseImage: 'registry.example/node@sha256:abc' });
  });

  it('never follows a symlink', async () => {
    await mkdir(join(home(), 'elsewhere'));
    await writeFile(join(home(), 'elsewhere', 'x.json'), '{}');
    await symlink(join(home(), 'elsewhere', 'x.json'), settingsPath());
    await expect(readSettings()).rejects.toThrow(/settings\.json: cannot read \(ELOOP\)/);
  });
});

describe('limits: settings.json, then the environment', () => {
  it('defaults: a 2 GiB snapshot, a 1 MiB inbox, 10 GiB of checkpoints, 64 MiB / 10,000 files of writable host folders, 20 pending requests, all CPUs but one, rotated logs', async () => {
    expect(await readLimits({})).toEqual({
      maxSnapshotBytes: 2 * 1024 ** 3,
      maxInboxBytes: 1024 ** 2,
      maxCheckpointBytes: 10 * 1024 ** 3,
      maxHostWriteBytes: 64 * 1024 ** 2,
      maxHostWriteEntries: 10_000,
      maxPendingRequests: 20,
      cpus: null,
      logMaxSize: '10m',
      logMaxFiles: 3,
    });
    expect(bottleCpus({ cpus: null }, 8)).toBe(7);
    expect(bottleCpus({ cpus: null }, 1)).toBe(1);
    expect(bottleCpus({ cpus: 16 }, 4)).toBe(4);
    expect(bottleCpus({ cpus: 0.5 }, 4)).toBe(0.5);
  });

  it('reads sizes as numbers or text, and CLAUDE_BOTTLE_MAX_SNAPSHOT over the file', async () => {
    await writeFile(settingsPath(), JSON.stringify({ maxSnapshotBytes: '500M', maxInboxBytes: 4096, cpus: 2 }));
    expect(await readLimits({})).toMatchObject({ maxSnapshotBytes: 500 * 1024 ** 2, maxInboxBytes: 4096, cpus: 2 });
    expect((await readLimits({ CLAUDE_BOTTLE_MAX_SNAPSHOT: '64k' })).maxSnapshotBytes).toBe(65536);
    await expect(readLimits({ CLAUDE_BOTTLE_MAX_SNAPSHOT: 'two gigs' })).rejects.toThrow(
      /^CLAUDE_BOTTLE_MAX_SNAPSHOT="two gigs" is not a size \(e\.g\. 500M, 2G\)$/,
    );
  });

  it('the writable host folders budget: its own setting, never above the snapshot cap', async () => {
    await writeFile(settingsPath(), JSON.stringify({ maxHostWriteBytes: '10M', maxHostWriteEntries: 500 }));
    expect(await readLimits({})).toMatchObject({ maxHostWriteBytes: 10 * 1024 ** 2, maxHostWriteEntries: 500 });
    expect((await readLimits({ CLAUDE_BOTTLE_MAX_SNAPSHOT: '4M' })).maxHostWriteBytes).toBe(4 * 1024 ** 2);
    await writeFile(settingsPath(), JSON.stringify({ maxHostWriteEntries: 0 }));
    await expect(readLimits({})).rejects.toThrow(/field "maxHostWriteEntries"/);
  });

  it.each([
    ['2G', 2 * 1024 ** 3],
    ['2g', 2 * 1024 ** 3],
    ['500M', 500 * 1024 ** 2],
    ['64k', 65536],
    ['1.5G', 1.5 * 1024 ** 3],
    ['2GiB', 2 * 1024 ** 3],
    ['1048576', 1048576],
    ['0', null],
    ['-1M', null],
    ['1X', null],
    ['', null],
  ])('parses %j as %s', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });
});
