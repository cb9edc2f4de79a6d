import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modemOptionsFor, resolveEngineEndpoint } from '../../src/core/engine/engine-endpoint';

let configDir = '';
beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'docker-config-'));
});
afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

async function addContext(name: string, host: string): Promise<void> {
  const dir = join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
}

describe('engine discovery', () => {
  it('prefers DOCKER_HOST', () => {
    expect(resolveEngineEndpoint({ DOCKER_HOST: 'tcp://1.2.3.4:2375', DOCKER_CONFIG: configDir })).toEqual({
      host: 'tcp://1.2.3.4:2375',
      source: 'DOCKER_HOST',
    });
  });

  it("uses the current context's endpoint from config.json", async () => {
    await addContext('colima', 'unix:///Users/me/.colima/default/docker.sock');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    expect(resolveEngineEndpoint({ DOCKER_CONFIG: configDir })).toEqual({
      host: 'unix:///Users/me/.colima/default/docker.sock',
      source: 'context',
      contextName: 'colima',
    });
  });

  it('lets DOCKER_CONTEXT override config.json', async () => {
    await addContext('rootless', 'unix:///run/user/1000/docker.sock');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    expect(resolveEngineEndpoint({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'rootless' }).host).toBe('unix:///run/user/1000/docker.sock');
  });

  it('falls back to the default socket for the default context, broken config or unknown context', async () => {
    expect(resolveEngineEndpoint({ DOCKER_CONFIG: configDir }).source).toBe('default');
    await writeFile(join(configDir, 'config.json'), '{not json');
    expect(resolveEngineEndpoint({ DOCKER_CONFIG: configDir }).source).toBe('default');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    expect(resolveEngineEndpoint({ DOCKER_CONFIG: configDir })).toMatchObject({
      source: 'default',
      host: expect.stringMatching(/^unix:\/\//),
    });
  });

  it('maps endpoints to connection options', () => {
    expect(modemOptionsFor('unix:///var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(modemOptionsFor('tcp://10.0.0.2:2375', {})).toEqual({ host: '10.0.0.2', port: 2375, protocol: 'http' });
    expect(modemOptionsFor('tcp://10.0.0.2:2376', {})).toMatchObject({ protocol: 'https' });
    expect(modemOptionsFor('ssh://me@host', {})).toMatchObject({ protocol: 'ssh', username: 'me', host: 'host' });
    expect(() => modemOptionsFor('ftp://x')).toThrow(/unsupported scheme/);
  });
});
