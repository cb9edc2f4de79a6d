import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BuildFailedError, imageExists } from '../../src/core/engine/image-build';
import { readHistory } from '../../src/core/rebuild/journal';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { claudeBottleRoot, perBottleImageTag } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { containerIdOf } from '../helpers/rebuild-agent';
import { askInInbox, IMAGED_AGENT_DOCKERFILE, runsAs, startImagedBottle } from '../helpers/imaged-agent';
import { writeTestAgent } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

/*
 * Hole 4 of issue 17: an approved Dockerfile was held only to its USER line by name, so `USER 00`
 * (uid 0 spelled otherwise) passed, and so did a RUN line that rewrote /etc/passwd to give the
 * agent's user uid 0: the agent then ran as root, and the launch even added IS_SANDBOX=1. The
 * agent here has no `user` in agent.json: its image's own user (`agent`, uid 1000) runs it.
 */

const env = useBottleTestEnv();
let ctx: CoreDeps;
let identity = '';

beforeEach(async () => {
  ctx = createCoreDeps();
  identity = await startImagedBottle(ctx, env.project());
});

const ask = (id: string, dockerfile: string): Promise<void> => askInInbox(ctx, identity, id, { dockerfile });

/** Approving the proposal fails with `message`, and the bottle is exactly as it was, still running as uid 1000. */
async function refusedIntact(id: string, message: RegExp): Promise<void> {
  const oldContainer = await containerIdOf(ctx, identity);
  const request = await service(ctx).request(identity, id);
  const approval = service(ctx).approve(identity, { requestId: id, resume: true, proposalHash: request.proposalHash });
  await expect(approval).rejects.toBeInstanceOf(BuildFailedError);
  await expect(approval).rejects.toThrow(message);
  expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
  expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
  expect(await runsAs(identity)).toBe('1000');
  expect(await readPerBottleDockerfile(identity)).toBeNull();
  expect(await imageExists(ctx.docker, perBottleImageTag(identity))).toBe(false);
  expect(await imageExists(ctx.docker, perBottleImageTag(identity).replace(':latest', ':candidate'))).toBe(false);
  expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['build-failed']);
  // The request stays, showing why.
  expect((await service(ctx).view(identity))?.pendingRequest).toMatchObject({ id, buildError: expect.stringMatching(message) });
}

describe.skipIf(skipWithoutDocker)('an approved image that would run the agent as root', () => {
  it('USER 00 (root by another spelling) is flagged, and its approval refused with the old bottle intact', async () => {
    expect(await runsAs(identity)).toBe('1000');
    await ask('req-zeros', `${IMAGED_AGENT_DOCKERFILE}USER 00\n`);
    expect((await service(ctx).request(identity, 'req-zeros')).risks.map((risk) => risk.kind)).toEqual(
      expect.arrayContaining(['numeric-user', 'root-user']),
    );
    await refusedIntact('req-zeros', /runs the agent as root: its user "00" is uid 0 by the image's own \/etc\/passwd/);
  });

  it('a RUN sed giving the agent’s user uid 0 in /etc/passwd is flagged, and its approval refused with the old bottle intact', async () => {
    await ask('req-passwd', `${IMAGED_AGENT_DOCKERFILE}USER root\nRUN sed -i 's/^agent:x:1000:/agent:x:0:/' /etc/passwd\nUSER agent\n`);
    expect((await service(ctx).request(identity, 'req-passwd')).risks.map((risk) => risk.kind)).toContain('account-edit');
    await refusedIntact('req-passwd', /runs the agent as root: its user "agent" is uid 0 by the image's own \/etc\/passwd/);
  });

  it('a symlinked /etc/passwd (which the engine follows) is not judged by another file: refused', async () => {
    await ask(
      'req-link',
      `${IMAGED_AGENT_DOCKERFILE}USER root\nRUN sed 's/^agent:x:1000:/agent:x:0:/' /etc/passwd > /etc/passwd.real && ln -sf passwd.real /etc/passwd\nUSER agent\n`,
    );
    await refusedIntact('req-link', /cannot tell which uid the built image runs the agent as: its \/etc\/passwd is not a regular file/);
  });

  it('a legitimate change still approves, even one that adds a user to passwd: the agent runs as its own uid', async () => {
    await ask(
      'req-good',
      `${IMAGED_AGENT_DOCKERFILE}USER root\nRUN echo built > /opt/marker && echo 'helper:x:1001:1001::/tmp:/bin/sh' >> /etc/passwd\nUSER agent\n`,
    );
    const request = await service(ctx).request(identity, 'req-good');
    // Flagged for a look, never blocked by the note: the uid decides.
    expect(request.risks.map((risk) => risk.kind)).toEqual(['account-edit']);
    await service(ctx).approve(identity, { requestId: 'req-good', resume: true, proposalHash: request.proposalHash });
    expect(await readPerBottleDockerfile(identity)).toBe(request.proposedDockerfile);
    expect(await runsAs(identity)).toBe('1000');
    expect((await execIn(await bottleContainer(identity), ['cat', '/opt/marker'])).output).toBe('built\n');
    expect((await execIn(await bottleContainer(identity), ['id', '-u', 'helper'])).output.trim()).toBe('1001');
  });
});

describe.skipIf(skipWithoutDocker)('the launch decides "root" by the uid the engine runs, not by how passwd reads to a lax parser', () => {
  it('a user whose uid field is not a number runs as uid 0, and gets its rootEnv (IS_SANDBOX=1)', async () => {
    // The operator's own (trusted) agent: its passwd line reads "1e3", which the engine parses as 0.
    const dir = await writeTestAgent({
      name: 'odd',
      user: null,
      dockerfileExtra: "RUN sed -i 's/^agent:x:1000:/agent:x:1e3:/' /etc/passwd\nUSER agent\n",
      script: 'exec sleep 3600',
    });
    const config = JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'agent.json'), JSON.stringify({ ...config, rootEnv: { IS_SANDBOX: '1' } }));
    expect(dir.startsWith(claudeBottleRoot())).toBe(true);
    const { identity: odd } = await service(ctx).start({ agent: 'odd', cwd: env.project(), copy: true });
    const container = await bottleContainer(odd);
    expect((await execIn(container, ['id', '-u'])).output.trim()).toBe('0');
    expect((await container.inspect()).Config.Env).toContain('IS_SANDBOX=1');
  });
});
