import type { AppEvent } from '../../shared/app-events';
import type { BottleComparison } from '../../shared/bottle-compare';
import {
  FULL_FILE_MAX_BYTES,
  type ApplyAction,
  type ApplyResult,
  type ChangeSet,
  type ChangeSince,
  type DiscardResult,
  type UnappliedWork,
  type ExportResult,
  type FileDetail,
  type MergeVersions,
  type ResolveRequest,
  type ResolveResult,
} from '../../shared/changes';
import type { ActivityKind } from '../../shared/bottle-view';
import { parseIdentity } from '../../shared/identity';
import { writeAppliedRecord } from '../changes/applied-record';
import { planApply } from '../changes/apply-plan';
import { runApply } from '../changes/apply-run';
import { BlobStore } from '../changes/blob-store';
import { BottleChanges, type Comparison } from '../changes/bottle-changes';
import { compareBottles } from '../changes/bottle-compare';
import { leftSideOf } from '../changes/since-apply';
import { selectChanges } from '../changes/change-select';
import { discardChange } from '../changes/discard-change';
import { resolveConflict } from '../changes/merge-resolve';
import { readMergeVersions } from '../changes/merge-versions';
import { changesPaths } from '../state/state-paths';
import { looksBinary } from '../changes/content-digest';
import { exportChanges, type ExportTarget } from '../changes/git-export';
import { summarizeApply } from '../changes/apply-summary';
import { parseRelativePath } from '../changes/relative-path';
import { unifiedDiff } from '../changes/text-diff';
import type { CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import { isDirectory } from '../fs/is-directory';
import { networkLogJsonLines } from '../state/network-log';
import { noteTimeline } from '../timeline';
import { operatorName } from '../rebuild/approval';

/** What applying would still do to the project folder: work a remove would lose. */
const PENDING_ACTIONS: ReadonlySet<ApplyAction> = new Set<ApplyAction>(['write', 'delete', 'chmod', 'symlink']);

/** A view keeps watching for this long after it last asked; it asks again well before. */
const WATCH_LEASE_MS = 60_000;
/** How often a watched bottle is looked at. */
const POLL_MS = 2_000;

export interface ChangesServiceHooks {
  emit(event: AppEvent): void;
  /** Runs a change under the bottle's lock (the bottle service's `locked`). */
  locked<T>(identity: string, kind: ActivityKind, work: () => Promise<T>): Promise<T>;
  /** Something for the operator's log that does not fail the work (a timeline that could not be written). */
  warn?(message: string): void;
}

interface Watch {
  /** Each holder (a client session) and when its lease runs out: the watch lives while any holds it. */
  holders: Map<string, number>;
  timer: NodeJS.Timeout | null;
  lastError: string | null;
}

/**
 * The front door to what agents changed, for every surface (`claude-bottle diff/apply/export`,
 * the Changes view): the comparison against the bottle's baseline, applying it to the project
 * folder, exporting it as a git branch or patch. A view watches a bottle: while it does, the
 * bottle is looked at every two seconds (one cheap `find` in an exec kept open, for a running
 * bottle) and a `changes-updated` event is pushed when its changes differ.
 */
export class ChangesService {
  private readonly bottles = new Map<string, BottleChanges>();
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly ctx: CoreDeps,
    private readonly hooks: ChangesServiceHooks,
  ) {}

  /** A core without a log (tests) still says a timeline it could not write: on stderr. */
  private readonly warn = (message: string): void => {
    if (this.hooks.warn !== undefined) this.hooks.warn(message);
    else process.emitWarning(message);
  };

  private tracker(identity: string): BottleChanges {
    let tracker = this.bottles.get(parseIdentity(identity));
    if (tracker === undefined) {
      tracker = new BottleChanges(this.ctx, identity);
      this.bottles.set(identity, tracker);
    }
    return tracker;
  }

  /** Closes a tracker nobody watches: a one-off read keeps no exec open. */
  private async release(identity: string): Promise<void> {
    if (this.watches.has(identity)) return;
    const tracker = this.bottles.get(identity);
    this.bottles.delete(identity);
    await tracker?.close();
  }

  private async fresh(identity: string, since: ChangeSince = 'start'): Promise<Comparison> {
    try {
      return await this.tracker(identity).compute(false, since);
    } finally {
      await this.release(identity);
    }
  }

  /** Every change since the bottle's baseline (or only those new since the last apply), read now (`claude-bottle diff`). */
  async diff(identity: string, since: ChangeSince = 'start'): Promise<ChangeSet> {
    return (await this.fresh(identity, since)).set;
  }

  /** How many bottles are watched (for tests and diagnostics). */
  get size(): number {
    return this.watches.size;
  }

  /**
   * The changes, and a promise to push `changes-updated` while they move, for the next minute;
   * a view calls it again to keep watching. Cheap when nothing changed. Each holder (a client
   * session) holds its own lease: one letting go never stops another's updates.
   */
  async watch(identity: string, holder = 'default', since: ChangeSince = 'start'): Promise<ChangeSet> {
    parseIdentity(identity);
    const watch = this.watches.get(identity) ?? { holders: new Map<string, number>(), timer: null, lastError: null };
    watch.holders.set(holder, Date.now() + WATCH_LEASE_MS);
    this.watches.set(identity, watch);
    if (watch.timer === null) this.schedule(identity, watch);
    return (await this.tracker(identity).compute(true, since)).set;
  }

  /** One refresh of a watched bottle (what the poll runs): the last result if nothing changed. */
  async refresh(identity: string): Promise<ChangeSet> {
    return (await this.tracker(identity).compute(true)).set;
  }

  /** This holder lets go; the watch ends when nobody holds it any more. */
  async unwatch(identity: string, holder = 'default'): Promise<void> {
    const watch = this.watches.get(parseIdentity(identity));
    watch?.holders.delete(holder);
    if (watch !== undefined && watch.holders.size > 0) return;
    if (watch?.timer != null) clearTimeout(watch.timer);
    this.watches.delete(identity);
    await this.release(identity);
  }

  /** A bottle started, stopped or was rebuilt: its workspace is found again at the next look. */
  bottleChanged(identity: string): void {
    this.bottles.get(identity)?.markSourceStale();
  }

  /**
   * One file in full: its whole diff against the start (or, `since: 'apply'`, against what the
   * last apply wrote there when the file is new since), or its whole current content.
   */
  async file(identity: string, rawPath: string, view: 'diff' | 'content', since: ChangeSince = 'start'): Promise<FileDetail> {
    const path = parseRelativePath(rawPath);
    const tracker = this.tracker(identity);
    const comparison = await tracker.compute(true);
    try {
      // Only what the workspace lists or the baseline holds: a path is never just joined and read.
      if (!comparison.listing.entries.has(path) && comparison.bottle.baseline.entries[path] === undefined) {
        throw new BottleError('not-found', `${path} is not in the workspace of ${identity} nor in its baseline`);
      }
      const change = comparison.set.files.find((file) => file.path === path);
      const agent = change?.status === 'deleted' ? null : await comparison.located.reader.read(path, FULL_FILE_MAX_BYTES);
      const { basePath, base, missing } = await leftSideOf(comparison, change, path, since, FULL_FILE_MAX_BYTES);
      if (agent === null && base === null)
        throw new BottleError('not-found', `${path} is not in the workspace of ${identity} nor in its baseline`);
      const size = agent?.size ?? base?.data.length ?? 0;
      const binary = (agent !== null && agent.kind === 'file' && looksBinary(agent.data)) || (base !== null && looksBinary(base.data));
      const truncated = (agent !== null && !agent.complete) || (base !== null && !base.complete);
      const detail: FileDetail = { path, view, text: null, binary, size, truncated, note: null };
      if (agent?.kind === 'symlink') detail.note = `a symlink to ${agent.target ?? ''}`;
      else if (binary) detail.note = 'binary file';
      else if (truncated) detail.note = `larger than ${FULL_FILE_MAX_BYTES / 1024 / 1024} MiB: not shown`;
      else if (missing !== null && view === 'diff') detail.note = missing;
      else if (view === 'content') detail.text = (agent?.data ?? base?.data ?? Buffer.alloc(0)).toString('utf8');
      else
        detail.text = unifiedDiff(
          basePath,
          agent === null ? null : path,
          base?.data.toString('utf8') ?? null,
          agent?.data.toString('utf8') ?? null,
        ).diff;
      return detail;
    } finally {
      await this.release(identity);
    }
  }

  /**
   * Copy mode: brings the agent's changes into the project folder, file by file, never over a
   * change of the operator's (see planApply). A dry run only plans. `paths` limits it to those
   * changes (per-file Apply), under exactly the same rules.
   */
  async apply(identity: string, options: { dryRun: boolean; sidecars: boolean; paths?: readonly string[] }): Promise<ApplyResult> {
    const work = async (): Promise<ApplyResult> => {
      const comparison = await this.fresh(identity);
      const { baseline, metadata } = comparison.bottle;
      if (!metadata.copy_cwd)
        throw new BottleError(
          'unsupported',
          `bottle ${identity} works on the project folder itself (mount mode): there is nothing to apply`,
        );
      if (!(await isDirectory(baseline.cwd))) throw new BottleError('not-found', `the project folder ${baseline.cwd} is gone`);
      const reader = comparison.located.reader;
      const changes = options.paths === undefined ? comparison.set.files : selectChanges(identity, comparison.set.files, options.paths);
      const progress = (line: string): void => this.ctx.activity.progress(identity, { line });
      progress('Comparing with the project folder');
      const steps = await planApply({
        identity,
        baseline,
        changes,
        applied: comparison.applied,
        sidecars: options.sidecars,
      });
      if (options.dryRun) {
        const outcomes = steps.map((step) => ({ path: step.path, action: step.action, detail: step.detail, sidecar: step.sidecar }));
        return summarizeApply(identity, baseline.cwd, true, outcomes);
      }
      const record = comparison.applied;
      const outcomes = await runApply({
        root: baseline.cwd,
        steps,
        reader,
        record,
        blobs: new BlobStore(changesPaths(identity).blobs),
        progress,
      });
      const result = summarizeApply(identity, baseline.cwd, false, outcomes);
      const at = new Date().toISOString();
      await writeAppliedRecord(identity, {
        ...record,
        at,
        last: { at, written: result.counts.written + result.counts.deleted, conflicts: result.counts.conflicts },
      });
      this.bottles.get(identity)?.markApplied();
      this.hooks.emit({ type: 'changes-updated', identity, revision: -1 });
      await noteTimeline(identity, { kind: 'apply', by: operatorName(), count: result.counts.written + result.counts.deleted }, this.warn);
      return result;
    };
    if (options.dryRun) return work();
    return this.hooks.locked(identity, 'applying', work);
  }

  /**
   * Copy mode: one changed file of the running bottle goes back to its start-of-run version (see
   * discardChange); the project folder is untouched.
   */
  async discard(identity: string, rawPath: string): Promise<DiscardResult> {
    // A bad path is refused before the bottle is locked: it never shows as a failed activity.
    const path = parseRelativePath(rawPath);
    return this.hooks.locked(identity, 'discarding', async () => {
      const result = await discardChange(this.ctx, identity, await this.fresh(identity), path);
      this.hooks.emit({ type: 'changes-updated', identity, revision: -1 });
      return result;
    });
  }

  /** A full look (the whole listing, not the last one), for `work`; a reader nobody watches is closed after it. */
  private async withFreshLook<T>(identity: string, work: (comparison: Comparison) => Promise<T>): Promise<T> {
    const tracker = this.tracker(identity);
    try {
      return await work(await tracker.compute(false));
    } finally {
      await this.release(identity);
    }
  }

  /**
   * Copy mode: the three versions of a file in conflict (start, project folder, agent) and a line
   * merge of them to start from: what the merge view shows.
   */
  async mergeVersions(identity: string, rawPath: string): Promise<MergeVersions> {
    const path = parseRelativePath(rawPath);
    return this.withFreshLook(identity, (comparison) => readMergeVersions(identity, comparison, path));
  }

  /**
   * Copy mode: saves the operator's resolution of one conflict in the project folder (see
   * resolveConflict); refused, with nothing written, when either side moved since it was read.
   */
  async resolve(identity: string, request: ResolveRequest): Promise<ResolveResult> {
    const path = parseRelativePath(request.path);
    return this.hooks.locked(identity, 'applying', async () => {
      const result = await this.withFreshLook(identity, (comparison) => resolveConflict(identity, comparison, { ...request, path }));
      this.bottles.get(identity)?.markApplied();
      this.hooks.emit({ type: 'changes-updated', identity, revision: -1 });
      return result;
    });
  }

  /**
   * Copy mode: the agent's work a remove would lose (what applying now would still write, and
   * what conflicts); null when there is none to lose — a mount-mode bottle (its work is already in
   * the project folder), or a project folder that is gone (nothing could be applied to it).
   */
  async unapplied(identity: string): Promise<UnappliedWork | null> {
    const comparison = await this.fresh(identity);
    const { baseline, metadata } = comparison.bottle;
    if (!metadata.copy_cwd || !(await isDirectory(baseline.cwd))) return null;
    const steps = await planApply({ identity, baseline, changes: comparison.set.files, applied: comparison.applied, sidecars: false });
    const work: UnappliedWork = { pending: [], conflicts: [] };
    for (const step of steps) {
      if (step.action === 'conflict') work.conflicts.push(step.path);
      else if (PENDING_ACTIONS.has(step.action)) work.pending.push(step.path);
    }
    return work.pending.length + work.conflicts.length === 0 ? null : work;
  }

  /** The agent's work as a new git branch in the project's repository, or as a patch file. */
  async export(identity: string, target: ExportTarget): Promise<ExportResult> {
    if ((target.branch === undefined) === (target.patchFile === undefined))
      throw new BottleError('invalid-argument', 'export needs exactly one of a branch name or a patch file');
    return this.hooks.locked(identity, 'exporting', async () => {
      const comparison = await this.fresh(identity);
      const result = await exportChanges(
        {
          identity,
          baseline: comparison.bottle.baseline,
          reader: comparison.located.reader,
          listing: comparison.listing,
          changes: comparison.set.files,
          base: comparison.base,
          agentGitDir: (temp) => comparison.located.agentGitDir(temp),
          progress: (line) => this.ctx.activity.progress(identity, { line }),
          networkLog: await networkLogJsonLines(identity),
        },
        target,
      );
      const made = result.branch === null ? `patch ${result.patchFile ?? ''}` : `branch ${result.branch}`;
      await noteTimeline(identity, { kind: 'export', by: operatorName(), target: made }, this.warn);
      return result;
    });
  }

  /**
   * Two copy-mode bottles of one project folder compared workspace to workspace (a fork and its
   * parent or sibling): `identity` is the left side, `against` the right. Reads only.
   */
  async compare(identity: string, against: string): Promise<BottleComparison> {
    return compareBottles(this.ctx, identity, against);
  }

  async close(): Promise<void> {
    for (const watch of this.watches.values()) if (watch.timer !== null) clearTimeout(watch.timer);
    this.watches.clear();
    await Promise.all([...this.bottles.values()].map((tracker) => tracker.close()));
    this.bottles.clear();
  }

  private schedule(identity: string, watch: Watch): void {
    watch.timer = setTimeout(() => {
      watch.timer = null;
      if (this.watches.get(identity) !== watch) return;
      const now = Date.now();
      for (const [holder, until] of watch.holders) if (now > until) watch.holders.delete(holder);
      if (watch.holders.size === 0) {
        this.watches.delete(identity);
        void this.release(identity);
        return;
      }
      const before = this.bottles.get(identity)?.lastSet?.revision ?? null;
      this.tracker(identity)
        .compute(true)
        .then(
          (comparison) => {
            watch.lastError = null;
            if (comparison.set.revision !== before)
              this.hooks.emit({ type: 'changes-updated', identity, revision: comparison.set.revision });
          },
          (error: unknown) => {
            // The view asks again on this event and shows the error it gets; said once per error.
            const message = error instanceof Error ? error.message : String(error);
            if (message !== watch.lastError) this.hooks.emit({ type: 'changes-updated', identity, revision: -1 });
            watch.lastError = message;
          },
        )
        .finally(() => {
          if (this.watches.get(identity) === watch) this.schedule(identity, watch);
        });
    }, POLL_MS);
    watch.timer.unref?.();
  }
}
