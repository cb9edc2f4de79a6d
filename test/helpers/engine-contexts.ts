import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LABEL_IDENTITY, listBottleContainers } from '../../src/core/engine/bottle-containers';
import { listStateEntries } from '../../src/core/state/state-listing';
import { EngineClient } from '../../src/core/engine/engine-client';
import { ensureSecondEngine, secondEngineDocker, type SecondEngine } from './second-engine';

export const TCP_CONTEXT = 'second';
export const SSH_CONTEXT = 'second-ssh';

export interface EngineContexts {
  engine(): SecondEngine;
  dockerConfig(): string;
  home(): string;
}

/**
 * Docker contexts for the second test engine, made with the `docker context` CLI in a temporary
 * DOCKER_CONFIG: `second` (tcp:// with TLS material) and `second-ssh` (ssh://, with a HOME whose
 * ~/.ssh holds the test key and the test sshd's host key). The process's DOCKER_CONFIG and HOME
 * point there for the file's tests (the CLI children inherit them); containers of this test's
 * bottles on the second engine are removed after each test.
 */
export function useEngineContexts(): EngineContexts {
  let engine: SecondEngine | null = null;
  let config = '';
  let home = '';
  const previous = { DOCKER_CONFIG: process.env.DOCKER_CONFIG, HOME: process.env.HOME };
  beforeAll(async () => {
    engine = await ensureSecondEngine();
    config = await mkdtemp(join(tmpdir(), 'claude-bottle-docker-config-'));
    home = await mkdtemp(join(tmpdir(), 'claude-bottle-home-'));
    const { tls, ssh } = engine;
    execFileSync(
      'docker',
      [
        '--config',
        config,
        'context',
        'create',
        TCP_CONTEXT,
        '--docker',
        `host=${engine.tcpHost},ca=${tls.ca},cert=${tls.cert},key=${tls.key}`,
      ],
      { stdio: 'ignore' },
    );
    execFileSync(
      'docker',
      ['--config', config, 'context', 'create', SSH_CONTEXT, '--docker', `host=ssh://${ssh.user}@${ssh.host}:${ssh.port}`],
      { stdio: 'ignore' },
    );
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    await copyFile(ssh.privateKey, join(home, '.ssh', 'id_ed25519'));
    await writeFile(join(home, '.ssh', 'known_hosts'), `${ssh.knownHostsLine}\n`);
    process.env.DOCKER_CONFIG = config;
    process.env.HOME = home;
  });
  afterEach(async () => {
    const mine = new Set((await listStateEntries()).map((entry) => entry.identity));
    const docker = secondEngineDocker();
    for (const info of await listBottleContainers(new EngineClient(docker))) {
      if (mine.has(info.Labels[LABEL_IDENTITY] ?? '')) await docker.getContainer(info.Id).remove({ force: true });
    }
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(config, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });
  return {
    engine: () => {
      if (engine === null) throw new Error('the second engine is not up yet');
      return engine;
    },
    dockerConfig: () => config,
    home: () => home,
  };
}
