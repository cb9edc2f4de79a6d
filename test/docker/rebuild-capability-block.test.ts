import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCapabilityRequest } from '../../src/core/rebuild/request-schema';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { skipWithoutDocker } from '../helpers/docker-available';
import { rawDocker } from '../helpers/raw-docker';
import { CAPABILITY_BLOCK } from '../helpers/rebuild-fixtures';

let inbox = '';
beforeEach(async () => {
  inbox = await mkdtemp(join(tmpdir(), 'claude-bottle-inbox-'));
  // The agent's uid (1000) differs from ours: the launch hands the inbox over the same way.
  await chmod(inbox, 0o777);
});
afterEach(async () => {
  await rm(inbox, { recursive: true, force: true });
});

/** Runs a shell command in a throwaway busybox container as uid 1000, with the tool and inbox mounted as in a bottle. */
async function runInBusybox(command: string): Promise<{ exitCode: number; output: string }> {
  const docker = rawDocker();
  const container = await docker.createContainer({
    Image: TEST_BASE_IMAGE,
    Cmd: ['sh', '-c', command],
    User: '1000:1000',
    Env: ['PATH=/bin:/usr/bin:/opt/claude-bottle/bin', 'CLAUDE_BOTTLE_IDENTITY=test-abcde'],
    Tty: true,
    HostConfig: {
      Binds: [`${dirname(dirname(CAPABILITY_BLOCK))}:/opt/claude-bottle:ro`, `${inbox}:/run/claude-bottle/inbox:rw`],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
    },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true });
    return { exitCode: StatusCode, output: logs.toString('utf8') };
  } finally {
    await container.remove({ force: true });
  }
}

describe.skipIf(skipWithoutDocker)('capability-block in a busybox bottle (uid 1000)', () => {
  it('writes a valid request into the mounted inbox and explains what happens next', async () => {
    const result = await runInBusybox(
      `capability-block --reason 'need "jq" \\ now' --run 'echo built > /opt/marker' && ls -A /run/claude-bottle/inbox`,
    );
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/Request req-\d+-[0-9a-f]+ sent to the operator/);
    expect(result.output).toContain('.response.json');
    const names = await readdir(inbox);
    expect(names).toHaveLength(1);
    const request = JSON.parse(await readFile(join(inbox, names[0] as string), 'utf8')) as unknown;
    const parsed = parseCapabilityRequest(request);
    expect(parsed.ok).toBe(true);
    expect(request).toMatchObject({ version: 1, reason: 'need "jq" \\ now', run: ['echo built > /opt/marker'] });
  });

  it('sends a whole Dockerfile with --dockerfile', async () => {
    const result = await runInBusybox(
      'printf \'FROM base\\nRUN echo "tab\\there" \\\\\\n  && true\\n\' > /tmp/Dockerfile && capability-block --reason r --dockerfile /tmp/Dockerfile',
    );
    expect(result.exitCode).toBe(0);
    const names = await readdir(inbox);
    const request = JSON.parse(await readFile(join(inbox, names[0] as string), 'utf8')) as { dockerfile: string };
    expect(request.dockerfile).toBe('FROM base\nRUN echo "tab\there" \\\n  && true\n');
  });

  it('prints its help inside the bottle', async () => {
    const result = await runInBusybox('capability-block --help');
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('--reason TEXT --run');
  });
});
