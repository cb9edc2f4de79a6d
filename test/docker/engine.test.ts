import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connectDocker, engineInfo, EngineUnavailableError } from '../../src/core/engine/docker-client';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { dockerUnavailableReason, skipWithoutDocker } from '../helpers/docker-available';
import { rawDocker } from '../helpers/raw-docker';

describe.skipIf(skipWithoutDocker)(`real Docker engine${dockerUnavailableReason ? ` (skipped: ${dockerUnavailableReason})` : ''}`, () => {
  it('creates, starts, waits for and removes a container from the busybox base image', async () => {
    const docker = rawDocker();
    const container = await docker.createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sh', '-c', 'echo hello-from-busybox; id -u agent; exit 3'],
      Labels: { 'claude-bottle.test': 'engine' },
    });
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const out = new PassThrough();
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      docker.modem.demuxStream(stream, out, out);
      await container.start();
      const result = (await container.wait()) as { StatusCode: number };
      expect(result.StatusCode).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(text).toContain('hello-from-busybox');
      expect(text).toContain('1000');
    } finally {
      await container.remove({ force: true });
    }
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reports its version and the endpoint in use', async () => {
    const info = await engineInfo(connectDocker());
    expect(info.version).toMatch(/^\d+\.\d+/);
    expect(info.endpoint.host).toMatch(/^(unix|tcp|npipe|ssh):\/\//);
  });
});

describe('engine not running', () => {
  it('gives a one-line error naming the endpoint when the socket is dead', async () => {
    const connection = connectDocker({ ...process.env, DOCKER_HOST: 'unix:///tmp/claude-bottle-no-such.sock' });
    const failure = engineInfo(connection);
    await expect(failure).rejects.toThrow(EngineUnavailableError);
    await expect(failure).rejects.toThrow(/^Docker engine not reachable at unix:\/\/\/tmp\/claude-bottle-no-such.sock [^\n]+$/);
  });
});
