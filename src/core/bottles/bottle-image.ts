import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { slugifyAgentName } from '../../shared/identity';
import { verifyAgentPin } from '../agents/agent-pin';
import { loadAgent, type AgentDefinition } from '../agents/agents';
import { BottleError } from '../services/bottle-error';
import type { BottleContext } from '../services/bottle-context';
import { buildImage, hashBuildContext, imageExists, type BuildProgressListener } from '../engine/image-build';
import { readMetadata, type BottleMetadata } from '../state/metadata';
import { readPerBottleDockerfile } from '../state/per-bottle-dockerfile';
import { perBottleImageTag, stateRoot } from '../state/state-paths';

const LABEL_CONTEXT_HASH = 'claude-bottle.context-hash';

export async function agentImageTag(agent: AgentDefinition): Promise<string> {
  const hash = await hashBuildContext(agent.dir);
  return `claude-bottle-agent-${slugifyAgentName(agent.name)}:${hash.slice(0, 16)}`;
}

/** The agent's image, built from its folder only when no image with its context hash exists. */
export async function ensureAgentImage(ctx: BottleContext, agent: AgentDefinition, onProgress?: BuildProgressListener): Promise<string> {
  const tag = await agentImageTag(agent);
  if (await imageExists(ctx.docker, tag)) return tag;
  await buildImage(ctx.docker, { contextDir: agent.dir, dockerfile: null, tag, labels: { [LABEL_CONTEXT_HASH]: tag.split(':')[1] ?? '' } }, onProgress);
  return tag;
}

/** The agent a bottle was launched with, from its metadata. */
export async function loadBottleAgent(identity: string): Promise<{ metadata: BottleMetadata; agent: AgentDefinition }> {
  const metadata = await readMetadata(identity);
  if (metadata === null) throw new BottleError('not-found', `no bottle ${identity} in ${stateRoot()}`);
  const agent = await loadAgent(metadata.agent_name, metadata.cwd === '' ? undefined : metadata.cwd);
  await verifyAgentPin(identity, agent);
  return { metadata, agent };
}

/** The Dockerfile a bottle runs from: its own after an approved capability-block, else the agent's. */
export async function currentDockerfile(identity: string): Promise<string> {
  return currentDockerfileFor(identity, (await loadBottleAgent(identity)).agent);
}

export async function currentDockerfileFor(identity: string, agent: AgentDefinition): Promise<string> {
  return (await readPerBottleDockerfile(identity)) ?? (await readFile(join(agent.dir, 'Dockerfile'), 'utf8'));
}

async function perBottleHash(agent: AgentDefinition, dockerfile: string): Promise<string> {
  const context = await hashBuildContext(agent.dir);
  return createHash('sha256').update(context).update('\0').update(dockerfile).digest('hex');
}

/** Builds `claude-bottle-rebuilt-<identity>:latest` from the agent's context and the given Dockerfile. */
export async function buildBottleImage(ctx: BottleContext, identity: string, dockerfile: string, onProgress?: BuildProgressListener): Promise<string> {
  return buildBottleImageFor(ctx, identity, (await loadBottleAgent(identity)).agent, dockerfile, onProgress);
}

export async function buildBottleImageFor(
  ctx: BottleContext,
  identity: string,
  agent: AgentDefinition,
  dockerfile: string,
  onProgress?: BuildProgressListener,
): Promise<string> {
  const labels = { [LABEL_CONTEXT_HASH]: await perBottleHash(agent, dockerfile) };
  return buildImage(ctx.docker, { contextDir: agent.dir, dockerfile, tag: perBottleImageTag(identity), labels }, onProgress);
}

/**
 * The image a (re)launch uses: the per-bottle image when the bottle has its own Dockerfile —
 * rebuilt if the tag is missing or was built from another Dockerfile — else the agent's image.
 */
export async function imageForLaunch(ctx: BottleContext, identity: string, agent: AgentDefinition, onProgress?: BuildProgressListener): Promise<string> {
  const dockerfile = await readPerBottleDockerfile(identity);
  if (dockerfile === null) return ensureAgentImage(ctx, agent, onProgress);
  const tag = perBottleImageTag(identity);
  const wanted = await perBottleHash(agent, dockerfile);
  const current = await ctx.docker
    .getImage(tag)
    .inspect()
    .then((image) => image.Config.Labels?.[LABEL_CONTEXT_HASH] ?? null)
    .catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    });
  if (current !== wanted) await buildBottleImageFor(ctx, identity, agent, dockerfile, onProgress);
  return tag;
}
