import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { applyPatch } from 'diff';
import { extract } from 'tar-stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BuildOptions, TarSource } from '../../src/core/engine/engine-client';
import { BuildFailedError } from '../../src/core/engine/image-build';
import { imageExists } from '../../src/core/engine/image-build';
import { readHistory } from '../../src/core/rebuild/journal';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { bottlePaths, perBottleImageTag } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { containerIdOf } from '../helpers/rebuild-agent';
import { askInInbox, IMAGED_AGENT_DOCKERFILE, runsAs, startImagedBottle } from '../helpers/imaged-agent';
import { service } from '../helpers/test-service';

/*
 * Hole 3 of issue 10: a `--run` line ending in `\` swallowed the next Dockerfile line, the `USER`
 * that switches back to the agent's user, so the approved image ran the agent as root while the
 * diff still showed the USER line. The agent here has no `user` in agent.json: its image's own
 * user (`agent`, uid 1000) runs it, so the image's configured user is exactly what is at stake.
 */

const env = useBottleTestEnv();
let ctx: CoreDeps;
let identity = '';

beforeEach(async () => {
  ctx = createCoreDeps();
  identity = await startImagedBottle(ctx, env.project());
});

const ask = (id: string, extra: Record<string, unknown>): Promise<void> => askInInbox(ctx, identity, id, extra);

/** The Dockerfile the engine was sent to build, read out of the build context as it went by. */
function captureBuiltDockerfile(): { dockerfile: () => string | null } {
  let dockerfile: string | null = null;
  const original = ctx.docker.buildImage.bind(ctx.docker);
  ctx.docker.buildImage = (file: TarSource, options: BuildOptions) => {
    const parser = extract({});
    // Everything on its way to the engine, copied to a tar parser as it passes.
    const toEngine = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        parser.write(chunk);
        done(null, chunk);
      },
      flush(done) {
        parser.end(undefined);
        done();
      },
    });
    parser.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        if (header.name === '.claude-bottle.Dockerfile') dockerfile = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    (file as Readable).pipe(toEngine);
    return original(toEngine, options);
  };
  return { dockerfile: () => dockerfile };
}

describe.skipIf(skipWithoutDocker)('a --run line that would swallow the USER after it', () => {
  it('is answered with an error, never pending, and the bottle still runs as its user', async () => {
    expect(await runsAs(identity)).toBe('1000');
    await ask('req-sneaky', { run: ['echo pwned \\'] });
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, 'req-sneaky.response.json'), 'utf8')) as {
      status: string;
      message: string;
    };
    expect(response).toEqual({
      version: 1,
      id: 'req-sneaky',
      status: 'error',
      message:
        'request refused: invalid request field "run.0": must not end with a backslash (it would continue into the next Dockerfile line)',
    });
    expect((await service(ctx).view(identity))?.pendingRequest).toBeNull();
    expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
    expect(await runsAs(identity)).toBe('1000');
  });

  it('smuggled in a whole Dockerfile instead: flagged, and the build that runs as root fails the approval with nothing changed', async () => {
    const oldContainer = await containerIdOf(ctx, identity);
    await ask('req-whole', { dockerfile: `${IMAGED_AGENT_DOCKERFILE}USER root\nRUN echo pwned \\\nUSER agent\n` });
    const request = await service(ctx).request(identity, 'req-whole');
    expect(request.risks.map((risk) => risk.kind)).toContain('swallowed-line');

    const approval = service(ctx).approve(identity, { requestId: 'req-whole', resume: true, proposalHash: request.proposalHash });
    await expect(approval).rejects.toBeInstanceOf(BuildFailedError);
    await expect(approval).rejects.toThrow(
      'image build failed: the built image runs as "root", not as "agent" (its last USER line): a line continuation or heredoc can swallow a USER line; nothing was changed',
    );
    // Nothing changed: same container, still the agent's user, no per-bottle Dockerfile or image.
    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect(await runsAs(identity)).toBe('1000');
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    expect(await imageExists(ctx.docker, perBottleImageTag(identity))).toBe(false);
    expect(await imageExists(ctx.docker, perBottleImageTag(identity).replace(':latest', ':candidate'))).toBe(false);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['build-failed']);
    expect((await service(ctx).view(identity))?.pendingRequest).toMatchObject({
      id: 'req-whole',
      buildError: expect.stringMatching(/runs as "root/),
    });
  });

  it('builds byte for byte the Dockerfile the operator saw (the diff’s right side), and only that', async () => {
    await ask('req-good', { run: ['echo built > /opt/marker'] });
    const request = await service(ctx).request(identity, 'req-good');
    expect(request.proposedDockerfile).toBe(`${IMAGED_AGENT_DOCKERFILE}USER root\nRUN echo built > /opt/marker\nUSER agent\n`);
    expect(applyPatch(request.currentDockerfile, request.diff)).toBe(request.proposedDockerfile);

    // An approval for a proposal other than the one reviewed is refused before anything is built.
    await expect(service(ctx).approve(identity, { requestId: 'req-good', resume: false, proposalHash: 'f'.repeat(64) })).rejects.toThrow(
      /changed since you reviewed it/,
    );

    const built = captureBuiltDockerfile();
    const { imageId } = await service(ctx).approve(identity, { requestId: 'req-good', resume: true, proposalHash: request.proposalHash });
    expect(built.dockerfile()).toBe(request.proposedDockerfile);
    expect(await readPerBottleDockerfile(identity)).toBe(request.proposedDockerfile);
    const image = await ctx.docker.getImage(perBottleImageTag(identity)).inspect();
    expect(image.Id).toBe(imageId);
    expect(image.Config.User).toBe('agent');
    expect(await runsAs(identity)).toBe('1000');
    expect((await execIn(await bottleContainer(identity), ['cat', '/opt/marker'])).output).toBe('built\n');
  });
});
