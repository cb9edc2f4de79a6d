import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BottleView, EngineStatus } from '../../src/shared/bottle-view';
import type { AppEvent } from '../../src/shared/app-events';
import { createCore, type Core } from '../../src/core/create-core';
import { connectDocker } from '../../src/core/engine/docker-client';
import { bottleLabels } from '../../src/core/engine/bottle-containers';
import { bottlePaths } from '../../src/core/state/state-paths';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { cannotRestartDockerdReason, startDockerd, stopDockerd } from '../helpers/dockerd-control';

const orphanIdentities: string[] = [];
const env = useBottleTestEnv(() => orphanIdentities);

let project = '';
let core: Core | null = null;
let events: AppEvent[] = [];
beforeEach(() => {
  project = env.project();
  events = [];
});
afterEach(async () => {
  await core?.close();
  core = null;
});

function openCore(): Core {
  core = createCore({ live: true });
  core.subscribe((event) => events.push(event));
  return core;
}

function latestView(identity: string): BottleView | undefined {
  const changes = events.filter(
    (e): e is Extract<AppEvent, { type: 'bottle-changed' }> => e.type === 'bottle-changed' && e.bottle.identity === identity,
  );
  return changes[changes.length - 1]?.bottle;
}

/** Every regular file of the bottle's state folder (but the transcript), name → content. */
async function readStateFiles(identity: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(bottlePaths(identity).dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path] = await readFile(path, 'utf8');
  }
  return files;
}

function latestEngine(): EngineStatus | undefined {
  const statuses = events.filter((e): e is Extract<AppEvent, { type: 'engine-status' }> => e.type === 'engine-status');
  return statuses[statuses.length - 1]?.status;
}

describe.skipIf(skipWithoutDocker)('live bottle changes', () => {
  it('pushes a change when a container is stopped by hand, and lists orphans and corrupt bottles', async () => {
    const app = openCore();
    await eventually(async () => expect(latestEngine()?.state).toBe('connected'));
    const { identity } = await app.bottles.start({ agent: 'scripted', cwd: project, copy: false });
    await eventually(async () => expect(latestView(identity)?.status).toBe('running'));

    // kill: its die event arrives before the engine's list shows the container exited.
    await (await bottleContainer(identity)).kill();
    await eventually(async () => expect(latestView(identity)).toMatchObject({ status: 'exited', exitCode: 137 }), 5000, 20);

    // An orphan: our labels (this instance's), no state folder. A corrupt bottle: unreadable metadata.
    const orphan = 'scripted-orph1';
    orphanIdentities.push(orphan);
    const { docker } = connectDocker();
    await docker.createContainer({ Image: TEST_BASE_IMAGE, Cmd: ['sleep', '60'], Labels: bottleLabels(orphan, 'scripted') });
    await mkdir(bottlePaths('scripted-bad01').dir, { recursive: true });
    await writeFile(bottlePaths('scripted-bad01').metadata, '{"identity": 5}');
    await eventually(async () => expect(latestView(orphan)?.status).toBe('orphan'));
    await eventually(async () =>
      expect(latestView('scripted-bad01')).toMatchObject({ status: 'corrupt', corruptReason: expect.stringContaining('identity') }),
    );

    const listed = await app.bottles.list();
    const ours = new Set([identity, orphan, 'scripted-bad01']);
    expect(
      listed
        .filter((v) => ours.has(v.identity))
        .map((v) => [v.identity, v.status])
        .sort(),
    ).toEqual(
      [
        [identity, 'exited'],
        [orphan, 'orphan'],
        ['scripted-bad01', 'corrupt'],
      ].sort(),
    );
  });

  const cannotRestart = cannotRestartDockerdReason();
  it.skipIf(cannotRestart !== null)(`survives a dockerd restart${cannotRestart ? ` (skipped: ${cannotRestart})` : ''}`, async () => {
    const app = openCore();
    await eventually(async () => expect(latestEngine()?.state).toBe('connected'));
    const { identity } = await app.bottles.start({ agent: 'scripted', cwd: project, copy: false });
    await eventually(async () => expect(latestView(identity)?.status).toBe('running'));

    const stateBefore = await readStateFiles(identity);
    try {
      await stopDockerd();
      await eventually(async () => expect(latestEngine()?.state).toBe('unavailable'), 10_000);
      // The state folder still lists while the engine is away.
      expect((await app.bottles.list()).map((v) => v.identity)).toContain(identity);
    } finally {
      await startDockerd();
    }
    await eventually(async () => expect(latestEngine()?.state).toBe('connected'), 20_000);
    // dockerd stopped the container on shutdown; the resync shows it exited, within 10 s.
    await eventually(async () => expect(latestView(identity)?.status).toBe('exited'), 10_000);
    // Losing and regaining the engine rewrote nothing in the state folder.
    expect(await readStateFiles(identity)).toEqual(stateBefore);

    // A later container event still arrives on the reconnected stream.
    const before = events.length;
    await app.bottles.resume(identity);
    await eventually(async () => {
      expect(
        events.slice(before).some((e) => e.type === 'bottle-changed' && e.bottle.identity === identity && e.bottle.status === 'running'),
      ).toBe(true);
    });
  });
});
