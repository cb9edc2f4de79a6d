import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABEL_AGENT, LABEL_IDENTITY, LABEL_MANAGED, listBottleContainers } from '../src/core/engine/bottle-containers';
import type { EngineClient } from '../src/core/engine/engine-client';
import { TEST_BASE_IMAGE } from '../test/helpers/busybox-image';

/**
 * Writes `count` bottle state folders in the Python CLI's format (metadata.json only), plus an
 * engine.json naming `context` when one is given.
 */
export async function generateStateFolders(
  home: string,
  count: number,
  cwd: string,
  options: { prefix?: string; context?: string } = {},
): Promise<string[]> {
  const identities: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const identity = `${options.prefix ?? 'gen'}-${i.toString(36).padStart(5, '0')}`;
    identities.push(identity);
    await mkdir(join(home, 'state', identity), { recursive: true, mode: 0o700 });
    const started = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace('Z', '+00:00');
    await writeFile(
      join(home, 'state', identity, 'metadata.json'),
      JSON.stringify({ identity, agent_name: 'scripted', cwd, copy_cwd: false, started_at: started }, null, 2),
    );
    if (options.context !== undefined)
      await writeFile(join(home, 'state', identity, 'engine.json'), JSON.stringify({ version: 1, context: options.context }));
  }
  return identities;
}

/** Creates (and starts) plain containers labelled as bottles, for listing at scale. */
export async function createLabelledContainers(docker: EngineClient, identities: string[]): Promise<void> {
  for (const identity of identities) {
    const container = await docker.createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [LABEL_IDENTITY]: identity, [LABEL_AGENT]: 'scripted', [LABEL_MANAGED]: 'true', 'claude-bottle.bench': 'true' },
      HostConfig: { Init: true },
    });
    await container.start();
  }
}

export async function removeBenchContainers(docker: EngineClient, identities: Set<string>): Promise<void> {
  const references = await docker.listContainers({ all: true, filters: { label: ['claude-bottle.bench=true'] } });
  const containers = [...(await listBottleContainers(docker)), ...references];
  await Promise.all(
    containers
      .filter((info) => identities.has(info.Labels[LABEL_IDENTITY] ?? '') || info.Labels['claude-bottle.bench'] === 'true')
      .map((info) =>
        docker
          .getContainer(info.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
  );
}

/** Writes `megabytes` of incompressible data as 1 MB files under `dir`. */
export async function writeBlob(dir: string, megabytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < megabytes; i += 1) await writeFile(join(dir, `chunk-${i}.bin`), randomBytes(1024 * 1024));
}
