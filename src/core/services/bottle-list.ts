import type { BottleListing, BottleStatus, BottleView } from '../../shared/bottle-view';
import { isValidIdentity } from '../../shared/identity';
import { newestFirst } from '../../shared/newest-first';
import type { ContainerInfo } from '../engine/engine-client';
import { DEFAULT_CONTEXT } from '../engine/docker-contexts';
import { onEngine, type CoreDeps } from '../deps/core-deps';
import { exitCodeFromStatus, isOwnContainer, LABEL_AGENT, LABEL_IDENTITY, listBottleContainers } from '../engine/bottle-containers';
import { isConnectionError, withinTimeout } from '../engine/docker-client';
import { isEngineNotFound } from '../engine/if-engine-object-exists';
import { JournalCounts } from '../rebuild/journal';
import { rebuildViewFields } from '../rebuild/view-fields';
import { agentViewFields } from '../rebuild/agent-view-fields';
import { DEFAULT_BOTTLE_OPTIONS, readBottleOptions, type BottleOptions } from '../state/bottle-options';
import { instanceId } from '../state/instance-id';
import { listStateEntries, mapLimited, scanBottleFolder, type StateEntry } from '../state/state-listing';
import { readStopReason } from '../state/stop-reason';
import { readBottleNetwork } from '../state/bottle-network';
import { readNetworkPending } from '../state/network-pending';
import type { InboxWarning } from '../../shared/bottle-view';
import { DEFAULT_NETWORK_MODE, type NetworkMode, type NetworkRequest } from '../../shared/network-policy';
import { errorMessage } from '../base/bottle-error';
import { StateSizes } from '../state/state-size';
import { earlyExitOf } from '../bottles/early-exit';
import { readForkedFrom, type ForkedFrom } from '../state/forked-from';
import { bottleCredentialSet } from '../credentials/bottle-credential-set';
import type { ContainerFacts } from '../bottles/container-event';
import type { EngineContainerIndex } from './engine-container-index';

/** An engine that does not answer a listing in this long is shown offline, not waited for. */
const LIST_TIMEOUT_MS = 5000;

/** One engine's containers of this state root by identity, and how many other instances' it left out. */
interface EngineContainers {
  ours: Map<string, ContainerInfo>;
  otherInstances: number;
}

/** Containers by identity on one engine; null when it is unavailable (the state folder still lists). */
async function containersByIdentity(
  ctx: CoreDeps,
  identity?: string,
  listed: () => Promise<ContainerInfo[] | null> = async () => null,
): Promise<EngineContainers | null> {
  let containers: ContainerInfo[];
  try {
    containers = (await listed()) ?? (await listContainers(ctx, identity));
  } catch (error: unknown) {
    if (isConnectionError(error)) return null;
    throw error;
  }
  const instance = instanceId();
  const ours = new Map<string, ContainerInfo>();
  let otherInstances = 0;
  for (const info of containers) {
    const id = info.Labels[LABEL_IDENTITY];
    if (id === undefined || !isValidIdentity(id)) continue;
    // Another state root's bottle is neither ours nor an orphan of ours: counted, never shown.
    if (!isOwnContainer(info.Labels, instance)) {
      otherInstances += 1;
      continue;
    }
    const known = ours.get(id);
    if (known === undefined || info.Created > known.Created) ours.set(id, info);
  }
  return { ours, otherInstances };
}

/** The engine's bottle containers (one bottle's, with `identity`), within LIST_TIMEOUT_MS. */
function listContainers(ctx: CoreDeps, identity?: string): Promise<ContainerInfo[]> {
  return withinTimeout(listBottleContainers(ctx.docker, identity), LIST_TIMEOUT_MS);
}

/** The dependencies on the engine of context `name`; null when nothing reaches an engine by that name. */
function depsOnEngine(ctx: CoreDeps, name: string): CoreDeps | null {
  try {
    return onEngine(ctx, ctx.engines.get(name));
  } catch (error: unknown) {
    // Every failure of the lookup is meant: a context deleted from the Docker CLI's store, or one
    // whose endpoint cannot be used, leaves nothing that reaches the engine by that name. Its
    // bottles show offline (the listing's own report of it) until it is back.
    return null;
  }
}

/**
 * Starts the listing of the current engine's containers before the pass over every inbox (`pass`),
 * for listBottles to take once the pass ends: the engine answers while the state folder is read.
 * A current context that cannot be used is left to listBottles, which reports it as ever.
 */
export function listCurrentEngineAhead(ctx: CoreDeps, pass: EngineContainerIndex): void {
  const onIt = depsOnEngine(ctx, ctx.engines.currentName);
  if (onIt !== null) pass.listAhead(onIt, () => listContainers(onIt));
}

/** One engine as a listing sees it: its name, the dependencies on it, and its containers (null: away). */
interface ListedEngine {
  name: string;
  /** Null for a context that left the Docker CLI's store. */
  ctx: CoreDeps | null;
  containers: EngineContainers | null;
  /** The container already read (or told by an engine event) for a single bottle's view. */
  container?: ContainerFacts;
}

/**
 * Each engine's containers, listed in parallel; an unknown context or a silent engine maps to null.
 * An engine the inbox pass just listed (`pass`) is not asked again.
 */
async function containersPerEngine(
  ctx: CoreDeps,
  names: Set<string>,
  pass: EngineContainerIndex | null,
): Promise<Map<string, ListedEngine>> {
  const results = await Promise.all(
    [...names].map(async (name): Promise<[string, ListedEngine]> => {
      const onIt = depsOnEngine(ctx, name);
      if (onIt === null) return [name, { name, ctx: null, containers: null }];
      const listed = async (): Promise<ContainerInfo[] | null> => (pass === null ? null : pass.listed(name));
      return [name, { name, ctx: onIt, containers: await containersByIdentity(onIt, undefined, listed) }];
    }),
  );
  return new Map(results);
}

function containerStatus(info: ContainerFacts): { status: BottleStatus; exitCode: number | null } {
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

/**
 * The listing shows a bottle whose options the host cannot read as not autonomous, unnamed and
 * without a task rather than failing every bottle's listing; its resume (launch-facts) reads them
 * again and reports the error. Read only when the bottle has the file.
 */
function listedOptions(entry: StateEntry): BottleOptions {
  if (!entry.hasOptions) return DEFAULT_BOTTLE_OPTIONS;
  try {
    return readBottleOptions(entry.identity);
  } catch (error: unknown) {
    // Every failure (unreadable, damaged): reported where it decides something, the resume. See above.
    return DEFAULT_BOTTLE_OPTIONS;
  }
}

async function viewOf(ctx: CoreDeps, entry: StateEntry | null, identity: string, engine: ListedEngine): Promise<BottleView> {
  const activity = ctx.activity.get(identity);
  const container = engine.container ?? engine.containers?.ours.get(identity);
  const base: BottleView = {
    identity,
    engine: engine.name,
    agentName: container?.Labels[LABEL_AGENT] ?? null,
    cwd: null,
    copyCwd: null,
    startedAt: null,
    createdAt: null,
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
    stateBytes: entry === null ? null : ctx.caches.of(StateSizes).known(identity),
    autonomous: false,
    earlyExit: null,
    stopReason: null,
    readyReason: null,
    networkPending: [],
    networkMode: null,
    credentialSet: null,
    name: null,
    task: null,
    agentStatus: null,
    permissionPending: [],
    forkedFrom: null,
  };
  if (entry === null) return base;
  if (entry.status === 'corrupt') return { ...base, status: 'corrupt', corruptReason: entry.reason };
  const meta = entry.metadata;
  let status: BottleStatus;
  let exitCode: number | null = null;
  if (container !== undefined) ({ status, exitCode } = containerStatus(container));
  else if (engine.containers === null) status = 'engine-offline';
  else status = entry.readyToResume ? 'ready-to-resume' : 'missing-container';
  const network = await networkViewFields(entry);
  const preparing = activity !== null && activity.error === null && (activity.kind === 'starting' || activity.kind === 'building');
  if (preparing && container === undefined) status = 'building';
  const rebuild = entry.hasRebuildState ? await rebuildViewFields(identity, ctx.caches.of(JournalCounts)) : null;
  const reports = await agentViewFields(entry, status, rebuild);
  const view: BottleView = {
    ...base,
    readyReason: status === 'ready-to-resume' ? entry.readyReason : null,
    ...rebuild,
    ...reports.fields,
    networkPending: network.pending,
    networkMode: network.mode,
    agentName: meta.agent_name,
    credentialSet: await bottleCredentialSet(meta.agent_name, meta.cwd),
    cwd: meta.cwd,
    copyCwd: meta.copy_cwd,
    startedAt: meta.started_at,
    createdAt: entry.createdAt ?? meta.started_at,
    status,
    exitCode,
    ...launchOptionFields(listedOptions(entry)),
    forkedFrom: entry.hasForkedFrom ? familyOf(await readForkedFrom(identity)) : null,
    stopReason: entry.hasStopReason ? ((await readStopReason(identity))?.reason ?? null) : null,
    earlyExit:
      status === 'exited' && container !== undefined && engine.ctx !== null ? await earlyExitOf(engine.ctx, identity, container.Id) : null,
  };
  const problems = [network.problem, ...reports.problems].filter((problem): problem is InboxWarning => problem !== null);
  return problems.length === 0 ? view : { ...view, warnings: [...view.warnings, ...problems] };
}

/** A fork's family as the view carries it (readForkedFrom has validated it: a bad file is null). */
function familyOf(family: ForkedFrom | null): BottleView['forkedFrom'] {
  return family === null ? null : { parent: family.parent, checkpoint: family.checkpoint };
}

/** What the operator chose at start, as a view carries it. */
function launchOptionFields(options: BottleOptions): Pick<BottleView, 'autonomous' | 'name' | 'task'> {
  return { autonomous: options.autonomous, name: options.name, task: options.task };
}

/**
 * The network part of a view (issue 19): its mode and the connections its gateway holds, each read
 * only when its file is there (a listing reads every bottle). A file the host cannot read shows on
 * the card as a warning, as a bad request does, and as no mode.
 */
async function networkViewFields(
  entry: StateEntry,
): Promise<{ mode: NetworkMode | null; pending: NetworkRequest[]; problem: InboxWarning | null }> {
  const [mode, pending] = await Promise.allSettled([
    entry.hasNetwork ? readBottleNetwork(entry.identity).then((network) => network.mode) : Promise.resolve(DEFAULT_NETWORK_MODE),
    entry.hasNetworkPending ? readNetworkPending(entry.identity) : Promise.resolve([]),
  ]);
  const failed = [mode, pending].find((result) => result.status === 'rejected');
  return {
    mode: mode.status === 'fulfilled' ? mode.value : null,
    pending: pending.status === 'fulfilled' ? pending.value : [],
    problem: failed === undefined ? null : { file: 'network', message: errorMessage(failed.reason), at: new Date().toISOString() },
  };
}

/**
 * Every bottle: the state folder joined with its container (by label) on the engine it records, in
 * one view. Engines are listed in parallel: one that is away marks only its bottles offline.
 * Containers this state root made but has no state folder for are listed as orphans, never
 * dropped; another instance's are only counted (DESIGN.md §3). `scanned`: the state folder as just
 * read (settling every inbox reads it), else it is read here.
 */
export async function listBottles(ctx: CoreDeps, scanned?: StateEntry[], pass: EngineContainerIndex | null = null): Promise<BottleListing> {
  const entries = scanned ?? (await listStateEntries());
  const engineOf = (entry: StateEntry): string => entry.engine ?? DEFAULT_CONTEXT;
  // The current engine (orphans there are worth showing) and every engine a bottle is on.
  const names = new Set([ctx.engines.currentName, ...entries.map(engineOf)]);
  const perEngine = await containersPerEngine(ctx, names, pass);
  const seen = new Set<string>();
  const views = await mapLimited(entries, 64, (entry) => {
    seen.add(entry.identity);
    const name = engineOf(entry);
    return viewOf(ctx, entry, entry.identity, perEngine.get(name) ?? { name, ctx: null, containers: null });
  });
  for (const engine of perEngine.values()) {
    for (const identity of engine.containers?.ours.keys() ?? []) {
      // The same engine reached through two contexts lists its orphans twice: show them once.
      if (seen.has(identity)) continue;
      seen.add(identity);
      views.push(await viewOf(ctx, null, identity, engine));
    }
  }
  const engines = [...perEngine.values()];
  return {
    bottles: newestFirst(views),
    otherInstances: sumOtherInstances(engines),
    unreachableEngines: engines.filter((engine) => engine.containers === null).map((engine) => engine.name),
  };
}

/** Other instances' containers over engines; one reached through two contexts is counted once. */
function sumOtherInstances(engines: Pick<ListedEngine, 'ctx' | 'containers'>[]): number {
  const byEndpoint = new Map<string, number>();
  for (const { ctx, containers } of engines)
    if (ctx !== null && containers !== null) byEndpoint.set(ctx.connection.endpoint.host, containers.otherInstances);
  let total = 0;
  for (const count of byEndpoint.values()) total += count;
  return total;
}

/** How many bottles of other instances the given engines hold: what the list leaves out, recounted alone. */
export async function countOtherInstances(engineDeps: CoreDeps[]): Promise<number> {
  return sumOtherInstances(await Promise.all(engineDeps.map(async (ctx) => ({ ctx, containers: await containersByIdentity(ctx) }))));
}

/**
 * The list endpoint reads a replica the engine updates a moment after it emits an event, so a
 * refresh triggered by `die` could still read "running". Inspect reads the container itself.
 */
async function liveState(ctx: CoreDeps, info: ContainerInfo): Promise<ContainerInfo> {
  try {
    const inspected = await ctx.docker.getContainer(info.Id).inspect();
    const state = inspected.State;
    const exited = state.Status === 'exited' || state.Status === 'dead';
    return { ...info, State: state.Status, Status: exited ? `Exited (${state.ExitCode})` : info.Status };
  } catch (error: unknown) {
    // Gone between the listing and the inspect (404), or the engine lost meanwhile: the listing's
    // state is the last one there is. Anything else fails the view, as a failed listing does.
    if (isEngineNotFound(error) || isConnectionError(error)) return info;
    throw error;
  }
}

/**
 * One bottle's view, or null when it has neither a state folder nor a container. `ctx` is on its
 * engine. `known`: its container as an engine event just told it (neither listed nor inspected).
 */
export async function bottleView(ctx: CoreDeps, identity: string, known?: ContainerFacts): Promise<BottleView | null> {
  // With the container known, the listing is never consulted (viewOf reads it only when there is no container).
  const containers = known === undefined ? await containersByIdentity(ctx, identity) : null;
  const entry = scanBottleFolder(identity);
  const listed = containers?.ours.get(identity);
  const container = known ?? (listed === undefined ? undefined : await liveState(ctx, listed));
  if (entry === null && container === undefined) return null;
  const engine: ListedEngine = { name: ctx.engine.name, ctx, containers, ...(container === undefined ? {} : { container }) };
  const view = await viewOf(ctx, entry, identity, engine);
  // One bottle: its state folder's size is worth measuring (a listing only shows known sizes).
  return entry === null ? view : { ...view, stateBytes: await ctx.caches.of(StateSizes).measure(identity) };
}
