import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BottleInspect, InspectMount } from '../../shared/bottle-inspect';
import { findBottleContainer, LABEL_SECRETS_FROM_ENVIRONMENT } from '../engine/bottle-containers';
import { isConnectionError } from '../engine/docker-client';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { StateSizes } from '../state/state-size';
import { BottleError, errorMessage } from '../base/bottle-error';
import { readPerBottleDockerfile } from '../state/per-bottle-dockerfile';
import { stateDir } from '../state/state-paths';
import { currentSecretPlacements } from '../credentials/secret-placements';
import type { SecretPlacement } from '../../shared/secret-placement';
import { readMetadataResult } from '../state/metadata';
import { envNamesOf, networksOf, redactedEngineJson, runAsOf } from './inspect-runtime';

async function dockerfileOf(ctx: CoreDeps, identity: string): Promise<Pick<BottleInspect, 'dockerfile' | 'dockerfileError'>> {
  try {
    const own = await readPerBottleDockerfile(identity);
    if (own !== null) return { dockerfile: { source: 'bottle', text: own }, dockerfileError: null };
    const { agent } = await ctx.loadBottle(identity);
    return { dockerfile: { source: 'agent', text: await readFile(join(agent.dir, 'Dockerfile'), 'utf8') }, dockerfileError: null };
  } catch (error: unknown) {
    return { dockerfile: null, dockerfileError: errorMessage(error) };
  }
}

/** Where its agent's secrets go; none when the agent cannot be loaded (the Dockerfile's error says why). */
async function secretsOf(ctx: CoreDeps, identity: string): Promise<SecretPlacement[]> {
  try {
    const { agent } = await ctx.loadBottle(identity);
    return await currentSecretPlacements(agent.config);
  } catch (error: unknown) {
    if (error instanceof BottleError) return [];
    throw error;
  }
}

/**
 * How a bottle is built and run, for the Inspect tab: its Dockerfile, and from the engine its
 * image, user (uid 0 warned of), mounts, limits, networks and raw JSON. Of its environment only
 * the names: passed-through values may be secrets, so none leaves the core (inspect-runtime.ts).
 */
export async function inspectBottle(all: CoreDeps, identity: string): Promise<BottleInspect> {
  const ctx = depsForBottle(all, identity);
  const { endpoint } = ctx.connection;
  const base: BottleInspect = {
    identity,
    image: null,
    imageId: null,
    ...(await dockerfileOf(ctx, identity)),
    container: null,
    networks: [],
    engineJson: null,
    mounts: [],
    limits: null,
    engine: { endpoint: endpoint.host, source: endpoint.source, context: endpoint.contextName ?? null },
    stateFolder: stateDir(identity),
    stateBytes: await all.caches.of(StateSizes).measure(identity),
    secrets: await secretsOf(ctx, identity),
  };
  let info;
  try {
    info = await findBottleContainer(ctx.docker, identity);
  } catch (error: unknown) {
    // Docker away: what the state folder says is still worth showing.
    if (isConnectionError(error)) return base;
    throw error;
  }
  if (info === null) return base;
  const inspected = await ctx.docker.getContainer(info.Id).inspect();
  // What this container's launch held from the launching shell, which the declarations alone cannot say.
  const fromShell = new Set((inspected.Config.Labels?.[LABEL_SECRETS_FROM_ENVIRONMENT] ?? '').split(',').filter(Boolean));
  const secrets = base.secrets.map((secret): SecretPlacement =>
    secret.kind === 'env' && fromShell.has(secret.name) ? { ...secret, place: 'bottle-from-environment', hosts: [] } : secret,
  );
  const host = inspected.HostConfig;
  const mounts: InspectMount[] = (inspected.Mounts ?? []).map((mount) => ({
    type: mount.Type ?? 'bind',
    source: mount.Source ?? mount.Name ?? '',
    target: mount.Destination,
    readOnly: mount.RW === false,
  }));
  const metadata = await readMetadataResult(identity);
  const mountMode = metadata.status === 'ok' && !metadata.metadata.copy_cwd;
  return {
    ...base,
    secrets,
    image: inspected.Config.Image,
    imageId: inspected.Image,
    container: {
      id: inspected.Id,
      name: inspected.Name.replace(/^\//, ''),
      state: inspected.State.Status,
      createdAt: inspected.Created,
      startedAt: inspected.State.StartedAt === '0001-01-01T00:00:00Z' ? null : inspected.State.StartedAt,
      user: inspected.Config.User === '' ? null : inspected.Config.User,
      workdir: inspected.Config.WorkingDir === '' ? null : inspected.Config.WorkingDir,
      command: [...(inspected.Config.Entrypoint ?? []), ...(inspected.Config.Cmd ?? [])],
      runAs: await runAsOf(ctx.docker, inspected, mountMode),
      envNames: envNamesOf(inspected.Config.Env),
    },
    networks: networksOf(identity, inspected),
    engineJson: redactedEngineJson(inspected),
    mounts,
    limits: {
      memoryBytes: host.Memory ? host.Memory : null,
      nanoCpus: host.NanoCpus ? host.NanoCpus : null,
      pidsLimit: host.PidsLimit ? host.PidsLimit : null,
      capDrop: host.CapDrop ?? [],
      capAdd: host.CapAdd ?? [],
      securityOpt: host.SecurityOpt ?? [],
      privileged: host.Privileged === true,
    },
  };
}
