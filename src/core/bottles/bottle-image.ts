import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { slugifyAgentName } from '../../shared/identity';
import type { AgentDefinition } from '../agents/agents';
import { buildImage, imageExists, type BuildProgressListener } from '../engine/image-build';
import type { BottleContext } from '../services/bottle-context';
import { readPerBottleDockerfile } from '../state/per-bottle-dockerfile';
import { perBottleImageTag } from '../state/state-paths';
import { loadBottle, type LoadedBottle } from './loaded-bottle';

const LABEL_CONTEXT_HASH = 'claude-bottle.context-hash';

export async function agentImageTag(agent: AgentDefinition): Promise<string> {
  const hash = await agent.contextHash();
  return `claude-bottle-agent-${slugifyAgentName(agent.name)}:${hash.slice(0, 16)}`;
}

/** The agent's image, built from its folder only when no image with its context hash exists. */
export async function ensureAgentImage(ctx: BottleContext, agent: AgentDefinition, onProgress?: BuildProgressListener): Promise<string> {
  const tag = await agentImageTag(agent);
  if (await imageExists(ctx.docker, tag)) return tag;
  await buildImage(ctx.docker, { contextDir: agent.dir, dockerfile: null, tag, labels: { [LABEL_CONTEXT_HASH]: tag.split(':')[1] ?? '' } }, onProgress);
  return tag;
}

/** The Dockerfile a bottle runs from: its own after an approved capability-block, else the agent's. */
export async function currentDockerfileFor(identity: string, agent: AgentDefinition): Promise<string> {
  return (await readPerBottleDockerfile(identity)) ?? (await readFile(join(agent.dir, 'Dockerfile'), 'utf8'));
}

async function perBottleHash(agent: AgentDefinition, dockerfile: string): Promise<string> {
  const context = await agent.contextHash();
  return createHash('sha256').update(context).update('\0').update(dockerfile).digest('hex');
}

/** Builds `claude-bottle-rebuilt-<identity>:latest` from the agent's context and the given Dockerfile. */
export async function buildBottleImage(
  ctx: BottleContext,
  bottle: LoadedBottle,
  dockerfile: string,
  onProgress?: BuildProgressListener,
): Promise<string> {
  const labels = { [LABEL_CONTEXT_HASH]: await perBottleHash(bottle.agent, dockerfile) };
  return buildImage(ctx.docker, { contextDir: bottle.agent.dir, dockerfile, tag: perBottleImageTag(bottle.identity), labels }, onProgress);
}

/**
 * The image a (re)launch uses: the per-bottle image when the bottle has its own Dockerfile —
 * rebuilt if the tag is missing or was built from another Dockerfile — else the agent's image.
 */
export async function imageForLaunch(ctx: BottleContext, bottle: LoadedBottle, onProgress?: BuildProgressListener): Promise<string> {
  const dockerfile = await readPerBottleDockerfile(bottle.identity);
  if (dockerfile === null) return ensureAgentImage(ctx, bottle.agent, onProgress);
  const tag = perBottleImageTag(bottle.identity);
  const wanted = await perBottleHash(bottle.agent, dockerfile);
  const current = await ctx.docker
    .getImage(tag)
    .inspect()
    .then((image) => image.Config.Labels?.[LABEL_CONTEXT_HASH] ?? null)
    .catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    });
  if (current !== wanted) await buildBottleImage(ctx, bottle, dockerfile, onProgress);
  return tag;
}

/** The Dockerfile a bottle runs from, loading its agent (one request's proposal, say). */
export async function currentDockerfile(identity: string): Promise<string> {
  return currentDockerfileFor(identity, (await loadBottle(identity)).agent);
}
