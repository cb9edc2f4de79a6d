import type Docker from 'dockerode';
import type { BottleActivity, BottleStatus, BottleView } from '../../shared/bottle-view';
import { isValidIdentity } from '../../shared/identity';
import type { BottleContext } from '../services/bottle-context';
import { exitCodeFromStatus, LABEL_AGENT, LABEL_IDENTITY, listBottleContainers } from '../engine/bottle-containers';
import { isConnectionError } from '../engine/docker-client';
import { rebuildViewFields } from '../rebuild/view-fields';
import { readBottleOptions } from '../state/bottle-options';
import { listStateEntries, mapLimited, scanBottleFolder, type StateEntry } from '../state/state-listing';
import { knownStateBytes, stateFolderBytes } from '../state/state-size';
import { earlyExitOf } from './early-exit';

/** Containers by identity; null when the engine is unavailable (the state folder still lists). */
async function containersByIdentity(ctx: BottleContext, identity?: string): Promise<Map<string, Docker.ContainerInfo> | null> {
  let containers: Docker.ContainerInfo[];
  try {
    containers = await listBottleContainers(ctx.docker, identity);
  } catch (error: unknown) {
    if (isConnectionError(error)) return null;
    throw error;
  }
  const byIdentity = new Map<string, Docker.ContainerInfo>();
  for (const info of containers) {
    const id = info.Labels[LABEL_IDENTITY];
    if (id === undefined || !isValidIdentity(id)) continue;
    const known = byIdentity.get(id);
    if (known === undefined || info.Created > known.Created) byIdentity.set(id, info);
  }
  return byIdentity;
}

function containerStatus(info: Docker.ContainerInfo): { status: BottleStatus; exitCode: number | null } {
  switch (info.State) {
    case 'created':
      return { status: 'starting', exitCode: null };
    case 'running':
    case 'restarting':
    case 'paused':
      return { status: 'running', exitCode: null };
    default:
      return { status: 'exited', exitCode: exitCodeFromStatus(info.Status) };
  }
}

async function viewOf(
  ctx: BottleContext,
  entry: StateEntry | null,
  identity: string,
  container: Docker.ContainerInfo | undefined,
  activity: BottleActivity | null,
): Promise<BottleView> {
  const base: BottleView = {
    identity,
    agentName: container?.Labels[LABEL_AGENT] ?? null,
    cwd: null,
    copyCwd: null,
    startedAt: null,
    status: 'orphan',
    exitCode: null,
    containerId: container?.Id ?? null,
    image: container?.Image ?? null,
    hasDockerfile: entry?.hasDockerfile ?? false,
    corruptReason: null,
    pendingRequest: null,
    pendingCount: 0,
    warnings: [],
    historyCount: 0,
    activity,
    stateBytes: entry === null ? null : knownStateBytes(identity),
    autonomous: false,
    earlyExit: null,
  };
  if (entry === null) return base;
  if (entry.status === 'corrupt') return { ...base, status: 'corrupt', corruptReason: entry.reason };
  const meta = entry.metadata;
  let status: BottleStatus;
  let exitCode: number | null = null;
  if (container !== undefined) ({ status, exitCode } = containerStatus(container));
  else status = entry.readyToResume ? 'ready-to-resume' : 'missing-container';
  const preparing = activity !== null && activity.error === null && (activity.kind === 'starting' || activity.kind === 'building');
  if (preparing && container === undefined) status = 'building';
  return {
    ...base,
    ...(entry.hasRebuildState ? await rebuildViewFields(identity) : {}),
    agentName: meta.agent_name,
    cwd: meta.cwd,
    copyCwd: meta.copy_cwd,
    startedAt: meta.started_at,
    status,
    exitCode,
    autonomous: entry.hasOptions && readBottleOptions(identity).autonomous,
    earlyExit: status === 'exited' && container !== undefined ? await earlyExitOf(ctx, identity, container.Id) : null,
  };
}

/**
 * Every bottle: the state folder joined with its container (by label) in one view. Containers
 * with our label but no state folder are listed as orphans, never dropped.
 */
export async function listBottles(ctx: BottleContext): Promise<BottleView[]> {
  const [entries, containers] = await Promise.all([listStateEntries(), containersByIdentity(ctx)]);
  const seen = new Set<string>();
  const views = await mapLimited(entries, 64, (entry) => {
    seen.add(entry.identity);
    return viewOf(ctx, entry, entry.identity, containers?.get(entry.identity), ctx.activity.get(entry.identity));
  });
  for (const [identity, info] of containers ?? []) {
    if (!seen.has(identity)) views.push(await viewOf(ctx, null, identity, info, ctx.activity.get(identity)));
  }
  // Newest first. Plain string comparison: ISO timestamps with the same offset sort as text, and
  // localeCompare costs tens of milliseconds over thousands of bottles.
  const key = (view: BottleView): string => view.startedAt ?? '';
  return views.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}

/**
 * The list endpoint reads a replica the engine updates a moment after it emits an event, so a
 * refresh triggered by `die` could still read "running". Inspect reads the container itself.
 */
async function liveState(ctx: BottleContext, info: Docker.ContainerInfo): Promise<Docker.ContainerInfo> {
  try {
    const inspected = await ctx.docker.getContainer(info.Id).inspect();
    const state = inspected.State;
    const exited = state.Status === 'exited' || state.Status === 'dead';
    return { ...info, State: state.Status, Status: exited ? `Exited (${state.ExitCode})` : info.Status };
  } catch {
    // Gone between the listing and the inspect: the listing's state is the last one there is.
    return info;
  }
}

/** One bottle's view, or null when it has neither a state folder nor a container. */
export async function bottleView(ctx: BottleContext, identity: string): Promise<BottleView | null> {
  const containers = await containersByIdentity(ctx, identity);
  const entry = scanBottleFolder(identity);
  const listed = containers?.get(identity);
  const container = listed === undefined ? undefined : await liveState(ctx, listed);
  if (entry === null && container === undefined) return null;
  const view = await viewOf(ctx, entry, identity, container, ctx.activity.get(identity));
  // One bottle: its state folder's size is worth measuring (a listing only shows known sizes).
  return entry === null ? view : { ...view, stateBytes: await stateFolderBytes(identity) };
}
