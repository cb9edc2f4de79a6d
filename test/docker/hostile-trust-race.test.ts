import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { connectDocker } from '../../src/core/engine/docker-client';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { rawDocker } from '../helpers/raw-docker';

/*
 * Issue 17, hole 6: a project agent's agent.json was read before its trust hash was taken, and its
 * build context packed after, all from the live folder. A loop swapping the folder between the
 * trusted content and an untrusted one (root, plus a host variable) got the untrusted agent.json
 * run in 7 of 25 starts. Here a separate process swaps agent.json and the Dockerfile (each by an
 * atomic rename, as fast as it can) while 25 starts run: each start must run exactly the trusted
 * content, or be refused as untrusted or changed.
 */

const env = useBottleTestEnv();
const name = `swap${Math.random().toString(36).slice(2, 8)}`;
const imageRepo = `claude-bottle-agent-project-${name}`;
const hostVariable = 'CLAUDE_BOTTLE_TEST_HOST_SECRET';
const marker = `stolen-${Math.random().toString(36).slice(2)}`;
const STARTS = 25;
let swapper: ChildProcess | null = null;

/** Stops the swap loop with whatever cp or mv it is running (its own process group), and waits. */
async function stopSwapper(): Promise<void> {
  const running = swapper;
  swapper = null;
  if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  process.kill(-running.pid, 'SIGKILL');
  await exited;
}

afterEach(async () => {
  await stopSwapper();
  delete process.env[hostVariable];
  const docker = rawDocker();
  for (const image of await docker.listImages({ filters: { reference: [imageRepo] } })) {
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
});

const trusted = {
  json: JSON.stringify({ description: 'trusted', command: ['sh', '-c', 'exec sleep 3600'], user: 'agent', env: [] }),
  dockerfile: `FROM ${TEST_BASE_IMAGE}\nRUN echo trusted > /opt/agent-content\n`,
};
const untrusted = {
  json: JSON.stringify({ description: 'trusted', command: ['sh', '-c', 'exec sleep 3600'], user: '0', env: [hostVariable] }),
  dockerfile: `FROM ${TEST_BASE_IMAGE}\nRUN echo hostile > /opt/agent-content\n`,
};

describe.skipIf(skipWithoutDocker)('a project agent folder swapped while bottles start', () => {
  it(`never runs the untrusted agent.json or Dockerfile (${STARTS} starts)`, async () => {
    const project = env.project();
    const agentDir = join(project, '.claude-bottle', 'agents', name);
    // Both versions wait beside the agent folder (on the same disk, so a rename swaps atomically).
    const versions = join(project, '.claude-bottle', 'versions');
    await mkdir(agentDir, { recursive: true });
    await mkdir(versions, { recursive: true });
    await writeFile(join(agentDir, 'agent.json'), trusted.json);
    await writeFile(join(agentDir, 'Dockerfile'), trusted.dockerfile);
    for (const [label, content] of [
      ['trusted', trusted],
      ['untrusted', untrusted],
    ] as const) {
      await writeFile(join(versions, `${label}.json`), content.json);
      await writeFile(join(versions, `${label}.Dockerfile`), content.dockerfile);
    }
    process.env[hostVariable] = marker;

    const core = createCore();
    try {
      const agent = `project:${name}`;
      const review = await core.agents.review(agent, project);
      expect(review.agentJson).toContain('"user": "agent"');
      await core.agents.trust(agent, project, review.contextHash);
      const trustedTag = `${imageRepo}:${review.contextHash.slice(0, 16)}`;

      const swap = (label: string): string =>
        `cp ${versions}/${label}.json ${versions}/next.json && mv -f ${versions}/next.json ${agentDir}/agent.json && ` +
        `cp ${versions}/${label}.Dockerfile ${versions}/next.Dockerfile && mv -f ${versions}/next.Dockerfile ${agentDir}/Dockerfile`;
      swapper = spawn('sh', ['-c', `while :; do ${swap('untrusted')}; ${swap('trusted')}; done`], { stdio: 'ignore', detached: true });

      const { docker } = connectDocker();
      let ran = 0;
      const refusals: string[] = [];
      const violations: string[] = [];
      for (let start = 0; start < STARTS; start += 1) {
        let identity: string;
        try {
          ({ identity } = await core.bottles.start({ agent, cwd: project, copy: true }));
        } catch (error: unknown) {
          const message = (error as Error).message;
          expect(message).toMatch(/is not trusted|changed since you trusted it|changed while it was read/);
          refusals.push(message);
          continue;
        }
        const info = await findBottleContainer(docker, identity);
        if (info === null) throw new Error(`no container for ${identity}`);
        const container = docker.getContainer(info.Id);
        const inspected = await container.inspect();
        // Every start is judged (not just the first bad one), so a failure shows how often the race is won.
        const leaked = (inspected.Config.Env ?? []).filter((entry) => entry.includes(marker) || entry.startsWith(`${hostVariable}=`));
        const built = (await execIn(container, ['cat', '/opt/agent-content'])).output.trim();
        if (inspected.Config.User !== 'agent') violations.push(`start ${start}: runs as ${JSON.stringify(inspected.Config.User)}`);
        if (leaked.length > 0) violations.push(`start ${start}: got the host variable`);
        if (inspected.Config.Image !== trustedTag) violations.push(`start ${start}: runs image ${inspected.Config.Image}`);
        if (built !== 'trusted') violations.push(`start ${start}: its image was built from the ${built} Dockerfile`);
        ran += 1;
        await core.bottles.remove(identity, { keepState: false, force: true });
      }
      process.stdout.write(
        `[trust race] ${ran} of ${STARTS} starts ran, ${violations.length} findings of untrusted content, ${refusals.length} refused\n`,
      );
      // Whatever got through the swapping ran the trusted content and nothing else.
      expect(violations).toEqual([]);
      expect(ran + refusals.length).toBe(STARTS);

      // Once the folder holds still again (the trusted content), it starts: the refusals were the race.
      await stopSwapper();
      await writeFile(join(agentDir, 'agent.json'), trusted.json);
      await writeFile(join(agentDir, 'Dockerfile'), trusted.dockerfile);
      const { identity } = await core.bottles.start({ agent, cwd: project, copy: true });
      expect((await docker.getContainer((await findBottleContainer(docker, identity))?.Id ?? '').inspect()).Config.User).toBe('agent');
      const images = await rawDocker().listImages({ filters: { reference: [imageRepo] } });
      expect(images.flatMap((image) => image.RepoTags ?? [])).toEqual([trustedTag]);
    } finally {
      await stopSwapper();
      await core.close();
    }
  }, 300_000);
});
