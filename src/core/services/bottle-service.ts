import type { PermissionAnswer } from '../../shared/agent-reports';
import type { BottleInspect } from '../../shared/bottle-inspect';
import type {
  ActivityKind,
  BottleDetail,
  BottleListing,
  BottleView,
  JournalEntry,
  PendingRequestView,
  StartBottleRequest,
} from '../../shared/bottle-view';
import { actionState, allowedActions, displayStatus } from '../../shared/allowed-actions';
import type { BulkRequest, BulkResult } from '../../shared/bottle-requests';
import { parseIdentity } from '../../shared/identity';
import { createBottleState, checkResumable, launchNew, removeNow, resumeLoaded, retireBottle, stopNow } from '../bottles/bottle-lifecycle';
import { haltOverBudget, type HostDiskGuard } from '../bottles/host-disk-budget';
import { BottleInboxes } from './bottle-inboxes';
import type { RemoveOutcome } from '../bottles/rebuilt-image';
import type { Readable } from 'node:stream';
import { inspectBottle } from '../bottles/bottle-inspect';
import { openBottleLogs } from '../bottles/log-streams';
import { bottleView, listBottles, listCurrentEngineAhead } from './bottle-list';
import { EngineContainerIndex } from './engine-container-index';
import {
  approveNow,
  listPendingRecords,
  pickPendingRequest,
  readHistory,
  readPendingRecord,
  rejectNow,
  settleInterruptedApproval,
  toPendingView,
} from '../rebuild';
import { mapLimited, type StateEntry } from '../state/state-listing';
import { stateRoot } from '../state/state-paths';
import { isLocalEndpoint } from '../engine/engine-endpoint';
import { onEngine, type CoreDeps } from '../deps/core-deps';
import { isConnectionError } from '../engine/docker-client';
import { bottleContainers, otherInstanceError } from '../engine/bottle-containers';
import { typeIntoAgent } from '../bottles/agent-input';
import { resolveBottleRef } from './bottle-ref';
import { BottleError, errorMessage } from '../base/bottle-error';
import { BuildFailedError } from '../engine/image-build';
import { describeUnapplied, type UnappliedWork } from '../../shared/changes';
import { ActivityConflictError } from '../base/activity-tracker';
import type { Notices } from '../base/notices';
import { answerPermissionNow } from '../rebuild/permission-answer';
import { withdrawAllPermissions } from '../rebuild/permission-withdraw';
import type { ContainerFacts } from '../bottles/container-event';
import { listCheckpoints } from '../checkpoints/checkpoint-store';
import { checkpointRef } from '../../shared/checkpoints';
import { approvalBasis, checkpointAtApproval } from '../checkpoints/checkpoint-at-approval';
import { noteTimeline, readTimeline } from '../timeline';
import type { TimelineEvent, TimelineInput } from '../../shared/timeline';
import { operatorName } from '../rebuild/approval';
import { warmResume } from '../rebuild/resume-warmup';

export interface ApproveResult {
  requestId: string;
  imageId: string;
  resumed: boolean;
}

export interface BottleServiceHooks {
  /** The bottle may look different now: refresh whatever shows it (a no-op for the CLI). */
  changed(identity: string): void;
  notices: Notices;
  /** A live core's kept views (see LiveViews.kept): null when it has none to offer. */
  keptViews?: () => Promise<BottleListing | null>;
  /** Copy mode: the agent's work a remove would lose (ChangesService.unapplied); null: none. */
  unapplied?: (identity: string) => Promise<UnappliedWork | null>;
}

/** Bottles a bulk action works on at once: each holds its own lock, and stop saves state. */
const BULK_CONCURRENCY = 4;

/**
 * The one front door to bottles: the desktop app, `serve` and the CLI all act through it, so they
 * follow the same rules.
 * - Every read settles the bottle's inbox first (the same code the live watcher runs), so a request
 *   an agent wrote is visible whether or not any app is running.
 * - Every change holds the bottle's lock for its whole length (approve → resume is one hold) and
 *   first settles an approval a killed process left half done.
 * - A bottle is loaded once per operation and passed along (see LoadedBottle).
 */
export class BottleService {
  /** Which engine each bottle is on, and the settling of its inbox (see BottleInboxes). */
  private readonly inboxes: BottleInboxes;
  /** Keeps every local bottle's inbox within its disk budget (see BottleInboxes.hostDisk). */
  readonly hostDisk: HostDiskGuard;

  constructor(
    private readonly ctx: CoreDeps,
    private readonly hooks: BottleServiceHooks,
  ) {
    this.inboxes = new BottleInboxes(ctx, hooks, (identity, reason) => this.stopOverBudget(identity, reason));
    this.hostDisk = this.inboxes.hostDisk;
  }

  /**
   * Every bottle, with every inbox settled first. A live core answers from the views it keeps true
   * (its watchers settle each inbox as it changes, and a background re-read follows), so a window's
   * first list does not wait on reading thousands of state folders.
   */
  async list(): Promise<BottleView[]> {
    return (await this.listing()).bottles;
  }

  /** Every bottle (as `list`), and how many bottles of other instances on the engines it leaves out. */
  async listing(): Promise<BottleListing> {
    return (await this.hooks.keptViews?.()) ?? this.listFresh();
  }

  /**
   * The newest `count` bottles and how many there are: what a window paints first, so its first
   * screen does not wait for thousands of bottles it cannot show yet.
   */
  async newest(count: number): Promise<{ bottles: BottleView[]; total: number; otherInstances: number }> {
    const { bottles, otherInstances } = await this.listing();
    return { bottles: bottles.slice(0, count), total: bottles.length, otherInstances };
  }

  /** Every bottle read now from the state folder and the engine, with every inbox settled first. */
  async listFresh(): Promise<BottleListing> {
    const containers = new EngineContainerIndex();
    listCurrentEngineAhead(this.ctx, containers);
    return listBottles(this.ctx, await this.inboxes.settleAllInboxes(containers), containers);
  }

  /**
   * One bottle's view with its inbox settled; null when it has neither state nor container.
   * `container`: its container as an engine event just told it, so the engine is not asked again.
   */
  async view(identity: string, container?: ContainerFacts): Promise<BottleView | null> {
    const ctx = this.inboxes.engineFor(parseIdentity(identity));
    await this.inboxes.settleOn(ctx, identity);
    return bottleView(ctx, identity, container);
  }

  /** Everything `show` prints: the view, the engine, every pending request in full, the actions. */
  async show(identity: string): Promise<BottleDetail> {
    const view = await this.view(identity);
    if (view === null) throw new BottleError('not-found', `no bottle ${identity} (no container, no state under ${stateRoot()})`);
    const { endpoint } = this.inboxes.engineFor(identity).connection;
    const pending = await listPendingRecords(identity);
    const checkpoints = await listCheckpoints(identity);
    return {
      ...view,
      checkpoints: { count: checkpoints.length, bytes: checkpoints.reduce((sum, checkpoint) => sum + checkpoint.sizes.total, 0) },
      engineEndpoint: { host: endpoint.host, source: endpoint.source, local: isLocalEndpoint(endpoint) },
      pendingRequests: pending.map(toPendingView),
      actions: allowedActions(view),
    };
  }

  /** How the bottle is built and run: Dockerfile, image, user, mounts, limits, engine (never its environment). */
  async inspect(identity: string): Promise<BottleInspect> {
    return inspectBottle(this.ctx, parseIdentity(identity));
  }

  /**
   * The container's output as the engine kept it: the last `tail` lines, then with `follow` what
   * it writes until it stops. Streamed; only the tail is read from a huge log. `shown`: the
   * container a window shows, read without a lookup when it is this bottle's (openBottleLogs).
   */
  async logs(identity: string, options: { tail: number | 'all'; follow: boolean }, shown?: string): Promise<Readable> {
    return openBottleLogs(this.ctx, parseIdentity(identity), options, shown);
  }

  /**
   * One action on several bottles, each exactly as on its own (its rules, its lock), a few at a
   * time. Every bottle gets its own result: one that fails or may not do it now does not stop the rest.
   */
  async bulk(request: BulkRequest): Promise<BulkResult[]> {
    const identities = [...new Set(request.identities.map((identity) => parseIdentity(identity)))];
    return mapLimited(identities, BULK_CONCURRENCY, async (identity): Promise<BulkResult> => {
      try {
        const view = await this.view(identity);
        if (view === null) return { identity, outcome: 'skipped', message: await this.missingReason(identity, request.action) };
        const state = actionState(view, request.action);
        if (state === null)
          return { identity, outcome: 'skipped', message: `cannot ${request.action} a bottle that is ${displayStatus(view)}` };
        if (!state.enabled) return { identity, outcome: 'skipped', message: state.reason };
        if (request.action === 'stop') await this.stop(identity);
        else await this.remove(identity, { keepState: request.keepState });
        return { identity, outcome: 'done', message: null };
      } catch (error: unknown) {
        return { identity, outcome: 'failed', message: errorMessage(error) };
      }
    });
  }

  /** Why a bulk action found no bottle of ours: another instance's container has the name, or nothing has. */
  private async missingReason(identity: string, action: BulkRequest['action']): Promise<string> {
    const { other } = await bottleContainers(this.inboxes.engineFor(identity).docker, identity);
    return other === null ? 'no such bottle' : otherInstanceError(identity, action === 'stop' ? 'stopped' : 'removed').message;
  }

  /** Starts a bottle on the named Docker context, or on the current engine (as the docker CLI picks it). */
  async start(request: StartBottleRequest): Promise<{ identity: string }> {
    const engine = request.context === undefined ? this.ctx.engines.current() : this.ctx.engines.get(request.context);
    const ctx = onEngine(this.ctx, engine);
    const bottle = await createBottleState(ctx, request);
    try {
      await this.locked(bottle.identity, 'starting', () => launchNew(ctx, bottle), { settle: false });
    } catch (error: unknown) {
      // Its image could not be built: the bottle never had a container nor did any work, and a
      // state folder left behind would show as a bottle to resume that can only fail the same way.
      if (error instanceof BuildFailedError) await this.discardUnbuilt(ctx, bottle.identity);
      throw error;
    }
    await this.note(bottle.identity, { kind: 'start', by: operatorName(), instruction: request.prompt });
    return { identity: bottle.identity };
  }

  /** Removes what a start whose image failed to build made; a failure here is logged, the build's error is the one to report. */
  private async discardUnbuilt(ctx: CoreDeps, identity: string): Promise<void> {
    try {
      await removeNow(ctx, identity, { keepState: false });
      this.hostDisk.forget(identity);
      this.ctx.caches.forget(identity);
    } catch (error: unknown) {
      this.hooks.notices.log.write('warning', `could not remove ${identity} after its image failed to build: ${errorMessage(error)}`);
    }
  }

  async resume(identity: string): Promise<{ identity: string }> {
    await this.locked(identity, 'resuming', async (ctx) => {
      warmResume(ctx);
      const bottle = await ctx.loadBottle(identity);
      await checkResumable(ctx, bottle);
      await resumeLoaded(ctx, bottle);
    });
    await this.note(identity, { kind: 'resume', by: operatorName() });
    return { identity };
  }

  async stop(identity: string): Promise<void> {
    await this.locked(identity, 'stopping', async (ctx) => {
      await stopNow(ctx, identity);
      await this.dropQuestions(identity);
    });
    await this.note(identity, { kind: 'stop', by: operatorName(), reason: 'operator' });
  }

  /** Records an event of the bottle's timeline; a timeline that cannot be written is logged, never fails the work done. */
  private async note(identity: string, event: TimelineInput): Promise<void> {
    await noteTimeline(identity, event, (message) => this.hooks.notices.log.write('warning', message));
  }

  /**
   * The bottle's container is gone (stopped, retired by an approval, removed with its state kept):
   * no agent waits on its permission questions any more, so they go, journaled withdrawn. A failure
   * here does not undo the stop: it is said, and the next read of the bottle drops them.
   */
  private async dropQuestions(identity: string): Promise<void> {
    try {
      await withdrawAllPermissions(identity);
    } catch (error: unknown) {
      this.hooks.notices.failure(`Could not drop the permission questions of ${identity}`, error);
    }
  }

  /** Removes a bottle of this instance (another instance's is refused); says what became of its rebuilt image. */
  async remove(identity: string, options: { keepState: boolean; force?: boolean | undefined }): Promise<RemoveOutcome> {
    const outcome = await this.locked(identity, 'removing', async (ctx) => {
      if (!options.keepState && options.force !== true) await this.refuseUnapplied(identity);
      const removed = await removeNow(ctx, identity, options);
      if (options.keepState) await this.dropQuestions(identity);
      return removed;
    });
    if (!options.keepState) {
      // The bottle is gone: nothing this core remembered of it stays.
      this.hostDisk.forget(identity);
      this.ctx.caches.forget(identity);
    }
    return outcome;
  }

  /**
   * A copy-mode bottle's work lives only in it until applied or exported: removing it with its
   * state would lose that work silently, so without `force` the remove is refused, naming it.
   */
  private async refuseUnapplied(identity: string): Promise<void> {
    if (this.hooks.unapplied === undefined) return;
    let work: UnappliedWork | null;
    try {
      work = await this.hooks.unapplied(identity);
    } catch (error: unknown) {
      // A bottle whose changes cannot be read (its state corrupt, an orphan container) has
      // nothing apply could bring back either: refusing would only leave it stuck in the list.
      this.hooks.notices.log.write(
        'warning',
        `could not read the unapplied work of ${identity} before removing it: ${errorMessage(error)}`,
      );
      return;
    }
    if (work === null) return;
    throw new BottleError(
      'conflict',
      `${identity} has ${describeUnapplied(work)}: apply or export it first, or remove it with force to lose it`,
    );
  }

  /**
   * Approves one request (the named one, or the bottle's only pending one). With `resume` the
   * bottle is resumed under the same lock, so nothing can act on it between the two.
   */
  async approve(
    identity: string,
    options: { requestId?: string | undefined; resume: boolean; proposalHash?: string | undefined; dockerfile?: string | undefined },
  ): Promise<ApproveResult> {
    return this.locked(identity, 'approving', async (ctx) => {
      const requestId = await pickPendingRequest(identity, options.requestId);
      const bottle = await ctx.loadBottle(identity);
      // What the bottle runs from before the approval commits its new Dockerfile: the automatic
      // checkpoint taken after the teardown is of the state before the rebuild.
      const basis = await approvalBasis(ctx, bottle);
      // What the resume waits for from the engine is asked while the image builds, not after the teardown.
      if (options.resume) warmResume(ctx);
      // A remote bottle's answer is put into its container before the container goes.
      const { imageId } = await approveNow(ctx, bottle, requestId, {
        proposalHash: options.proposalHash,
        dockerfile: options.dockerfile,
        onCommitted: () => this.inboxes.deliver(ctx, identity),
      });
      // The approval is whole: a checkpoint over its budget (or failing) skips itself in one progress line.
      const kept = await checkpointAtApproval(ctx, bottle, requestId, basis);
      // The approval retired the container: its agent asks nothing any more.
      await this.dropQuestions(identity);
      await this.note(identity, { kind: 'stop', by: operatorName(), reason: 'approval' });
      if (kept !== null) await this.note(identity, { kind: 'checkpoint', by: operatorName(), checkpoint: checkpointRef(kept) });
      if (!options.resume) return { requestId, imageId, resumed: false };
      ctx.activity.switchTo(identity, 'resuming');
      try {
        await checkResumable(ctx, bottle);
        await resumeLoaded(ctx, bottle);
      } catch (error: unknown) {
        // The approval itself stands (Dockerfile committed, bottle ready to resume): say so.
        const code = error instanceof BottleError ? error.code : 'internal';
        throw new BottleError(code, `approved ${requestId}, but resuming ${identity} failed: ${errorMessage(error)}`);
      }
      await this.note(identity, { kind: 'resume', by: operatorName() });
      return { requestId, imageId, resumed: true };
    });
  }

  /** Rejects one request (the named one, or the only pending one) with the operator's message. */
  async reject(identity: string, options: { requestId?: string | undefined; message: string }): Promise<{ requestId: string }> {
    return this.locked(identity, 'rejecting', async (ctx) => {
      const requestId = await pickPendingRequest(identity, options.requestId);
      await rejectNow(identity, { requestId, message: options.message });
      await this.inboxes.deliver(ctx, identity);
      return { requestId };
    });
  }

  /**
   * Answers a permission question the bottle's agent waits on (issue 21): allow once, always (the
   * agent is told to remember it), or deny with the operator's message. The view is read first, so
   * a question the agent withdrew, or one of a stopped bottle, is gone before it could be answered.
   * Not under the bottle's lock: answering never waits for a rebuild, and the question is claimed
   * on its own (two answers at once: one wins, the other is told).
   */
  async answerPermission(identity: string, requestId: string, answer: PermissionAnswer, message: string): Promise<void> {
    const ctx = this.inboxes.engineFor(parseIdentity(identity));
    await this.view(identity);
    try {
      await answerPermissionNow(identity, requestId, answer, message);
      await this.inboxes.deliver(ctx, identity);
    } finally {
      this.hooks.changed(identity);
    }
  }

  /** Types text into the bottle's agent terminal and presses Enter (issue 21); refused when it is not running. */
  async send(identity: string, text: string): Promise<void> {
    await typeIntoAgent(this.inboxes.engineFor(parseIdentity(identity)), identity, text);
    await this.note(identity, { kind: 'turn', by: operatorName(), instruction: text });
  }

  /** The one bottle `ref` names (identity, unique prefix or suffix, or name): see bottle-ref.ts. */
  async resolve(ref: string): Promise<string> {
    return resolveBottleRef(ref, async (identity) => {
      try {
        // Another instance's container too: the command refuses it, saying whose it is.
        const { ours, other } = await bottleContainers(this.inboxes.engineFor(identity).docker, identity);
        return ours !== null || other !== null;
      } catch (error: unknown) {
        // The engine is away: the reference goes on as given, and the command says so as it always has.
        if (isConnectionError(error)) return true;
        throw error;
      }
    });
  }

  /** Every pending request of the bottle in full, oldest first, its inbox settled first. */
  async pendingRequests(identity: string): Promise<PendingRequestView[]> {
    await this.settleInbox(parseIdentity(identity));
    return (await listPendingRecords(identity)).map(toPendingView);
  }

  /**
   * One pending request in full (the named one, or the bottle's only one), as the operator reviews
   * it before approving: views carry summaries only.
   */
  async request(identity: string, requestId?: string): Promise<PendingRequestView> {
    const id = await pickPendingRequest(parseIdentity(identity), requestId);
    const record = await readPendingRecord(identity, id);
    if (record === null) throw new BottleError('not-found', `bottle ${identity} has no pending request ${JSON.stringify(id)}`);
    return toPendingView(record);
  }

  async history(identity: string): Promise<JournalEntry[]> {
    return readHistory(parseIdentity(identity));
  }

  /** Everything the bottle did, in order: its timeline merged with the decisions journal (issue 24). */
  async timeline(identity: string): Promise<TimelineEvent[]> {
    return readTimeline(parseIdentity(identity));
  }

  /** The operator read a failed operation's error: clear it from the bottle. */
  dismissError(identity: string): void {
    this.ctx.activity.dismiss(parseIdentity(identity));
    this.hooks.changed(identity);
  }

  /** Runs another service's change to a bottle under the same lock and rules (applying its changes, a checkpoint), on its engine. */
  withLock<T>(identity: string, kind: ActivityKind, work: (ctx: CoreDeps) => Promise<T>): Promise<T> {
    return this.locked(identity, kind, work);
  }

  /**
   * Validates and settles the bottle's inbox: new requests become pending, bad ones are answered.
   * Returns whether anything the bottle shows changed. The live watcher calls this too.
   */
  async settleInbox(identity: string): Promise<boolean> {
    return this.inboxes.settle(identity);
  }

  /** Bottles whose inbox lives in a container on a remote engine (the live core polls these). */
  remoteIdentities(): string[] {
    return this.inboxes.remoteIdentities();
  }

  /** Settles every bottle's inbox and returns every bottle's state entry (BottleInboxes.settleAllInboxes). */
  async settleAllInboxes(): Promise<StateEntry[]> {
    return this.inboxes.settleAllInboxes();
  }

  /**
   * The bottle's writable host folders went over their budget: it is killed at once (no lock is
   * needed to stop the writing), then retired under its lock like any stop, so its transcript and a
   * copy-mode workspace are saved as usual. What it wrote into the inbox stays there for the
   * operator to look at, outside every snapshot; the reason stays on the bottle until a resume,
   * which refuses while the inbox is still over its budget. A remote bottle's inbox is inside its
   * container, on the engine's disk: nothing of it is on this host to budget.
   */
  private async stopOverBudget(identity: string, reason: string): Promise<void> {
    const ctx = this.inboxes.engineFor(identity);
    if (!ctx.engine.local) return;
    if (!(await haltOverBudget(ctx, identity, reason))) return;
    this.hooks.notices.log.write('warning', `stopping ${identity}: ${reason}`);
    try {
      await this.locked(identity, 'stopping', async (locked) => {
        await retireBottle(locked, identity, 'stopped');
        await this.dropQuestions(identity);
        await this.note(identity, { kind: 'stop', by: 'claude-bottle', reason: 'disk budget' });
      });
    } catch (error: unknown) {
      // Busy with other work (logged by locked): it is killed, and an approval retires it anyway.
      if (error instanceof ActivityConflictError) return;
      throw error;
    }
  }

  /**
   * Runs a change under the bottle's lock: refused while another runs on it in this process, a
   * half-done approval settled first, the failure kept on the bottle and logged, and its view
   * refreshed afterwards whatever happened.
   */
  private async locked<T>(
    identity: string,
    kind: ActivityKind,
    work: (ctx: CoreDeps) => Promise<T>,
    options: { settle: boolean } = { settle: true },
  ): Promise<T> {
    parseIdentity(identity);
    try {
      return await this.ctx.activity.run(identity, kind, async () => {
        const ctx = this.inboxes.engineFor(identity);
        if (options.settle) await settleInterruptedApproval(ctx, identity);
        return work(ctx);
      });
    } catch (error: unknown) {
      this.hooks.notices.log.write('warning', `${kind} ${identity} failed: ${errorMessage(error)}`);
      throw error;
    } finally {
      this.hooks.changed(identity);
    }
  }
}
