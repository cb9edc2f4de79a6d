import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { slugifyAgentName } from '../../shared/identity';
import type { AgentDefinition } from '../agents/agents';
import { buildImage, buildImageInspected, type BuildProgressListener } from '../engine/image-build';
import type { ImageInspectInfo } from '../engine/engine-client';
import type { CoreDeps } from '../deps/core-deps';
import { readPerBottleDockerfile } from '../state/per-bottle-dockerfile';
import { perBottleImageTag } from '../state/state-paths';
import { checkImageUser, imageUserRule } from './image-user-check';
import { loadBottle, type LoadedBottle } from '../deps/loaded-bottle';
import { ifImageExists } from '../engine/if-engine-object-exists';
import { explainBaseImageFailure } from './base-image-failure';

const LABEL_CONTEXT_HASH = 'claude-bottle.context-hash';

export async function agentImageTag(agent: AgentDefinition): Promise<string> {
  const hash = await agent.contextHash();
  return `claude-bottle-agent-${slugifyAgentName(agent.name)}:${hash.slice(0, 16)}`;
}

/** The agent's image, built from its folder only when no image with its context hash exists. */
export async function ensureAgentImage(ctx: CoreDeps, agent: AgentDefinition, onProgress?: BuildProgressListener): Promise<string> {
  return (await agentImage(ctx, agent, onProgress)).tag;
}

/**
 * ensureAgentImage, with the image's inspect when it was there already (null when built now): a
 * launch reads the image's PATH, user and id from it instead of asking the engine a second time.
 */
async function agentImage(
  ctx: CoreDeps,
  agent: AgentDefinition,
  onProgress?: BuildProgressListener,
): Promise<{ tag: string; found: ImageInspectInfo | null }> {
  const tag = await agentImageTag(agent);
  const found = await ifImageExists(ctx.docker.getImage(tag).inspect());
  if (found !== null) return { tag, found };
  try {
    await buildImage(
      ctx.docker,
      { contextDir: agent.dir, dockerfile: null, tag, labels: { [LABEL_CONTEXT_HASH]: tag.split(':')[1] ?? '' } },
      onProgress,
    );
  } catch (error: unknown) {
    throw explainBaseImageFailure(error, agent.name, await readFile(join(agent.dir, 'Dockerfile'), 'utf8'));
  }
  return { tag, found: null };
}

/** The Dockerfile a bottle runs from: its own after an approved capability-block, else the agent's. */
export async function currentDockerfileFor(identity: string, agent: AgentDefinition): Promise<string> {
  return (await readPerBottleDockerfile(identity)) ?? (await readFile(join(agent.dir, 'Dockerfile'), 'utf8'));
}

async function perBottleHash(agent: AgentDefinition, dockerfile: string): Promise<string> {
  const context = await agent.contextHash();
  return createHash('sha256').update(context).update('\0').update(dockerfile).digest('hex');
}

/**
 * Builds `claude-bottle-rebuilt-<identity>:latest` from the agent's context and the given
 * Dockerfile, which is sent to the engine byte for byte as given (what the operator reviewed).
 * It is built under a candidate tag and takes the real tag only once checkImageUser passed: it
 * runs the agent as the user its Dockerfile reads as, and not as uid 0 unless the agent's own
 * image does. Otherwise the build fails here, and the bottle's image stays what it was.
 */
export async function buildBottleImage(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  dockerfile: string,
  onProgress?: BuildProgressListener,
): Promise<string> {
  const labels = { [LABEL_CONTEXT_HASH]: await perBottleHash(bottle.agent, dockerfile) };
  // Each image is read once: the agent's (found when it was there already) and the candidate's.
  const agent = await agentImage(ctx, bottle.agent, onProgress);
  const rule = await imageUserRule(ctx, bottle, dockerfile, agent.found ?? agent.tag);
  const tag = perBottleImageTag(bottle.identity);
  const candidate = tag.replace(/:latest$/, ':candidate');
  const built = await buildImageInspected(ctx.docker, { contextDir: bottle.agent.dir, dockerfile, tag: candidate, labels }, onProgress);
  const image = ctx.docker.getImage(candidate);
  try {
    await checkImageUser(ctx, bottle, built.info, rule, onProgress);
    const [repo, latest] = tag.split(':') as [string, string];
    await image.tag({ repo, tag: latest });
  } finally {
    // Only the candidate name goes: the image itself stays under its real tag, or is dropped if it
    // failed. Every failure of this removal is meant: it leaves only a stale `:candidate` name, which
    // the next build's candidate replaces, and the build's own outcome is what the caller must hear.
    await image.remove({ noprune: false }).catch((_error: unknown) => undefined);
  }
  return built.id;
}

/**
 * The image a (re)launch uses, and what the engine says of it: the per-bottle image when the bottle
 * has its own Dockerfile — rebuilt if the tag is missing or was built from another Dockerfile —
 * else the agent's image. An image found there (current) is not inspected a second time.
 */
export async function imageForLaunch(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  onProgress?: BuildProgressListener,
): Promise<{ ref: string; info: ImageInspectInfo }> {
  const dockerfile = await readPerBottleDockerfile(bottle.identity);
  if (dockerfile === null) {
    const { tag, found } = await agentImage(ctx, bottle.agent, onProgress);
    return { ref: tag, info: found ?? (await ctx.docker.getImage(tag).inspect()) };
  }
  const ref = perBottleImageTag(bottle.identity);
  const wanted = await perBottleHash(bottle.agent, dockerfile);
  const found = await ifImageExists(ctx.docker.getImage(ref).inspect());
  if (found !== null && found.Config.Labels?.[LABEL_CONTEXT_HASH] === wanted) return { ref, info: found };
  await buildBottleImage(ctx, bottle, dockerfile, onProgress);
  return { ref, info: await ctx.docker.getImage(ref).inspect() };
}

/** The Dockerfile a bottle runs from, loading its agent (one request's proposal, say). */
export async function currentDockerfile(identity: string): Promise<string> {
  return currentDockerfileFor(identity, (await loadBottle(identity)).agent);
}
