import { stat } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';
import type { ChangeSet, ChangeSince } from '../../shared/changes';
import type { CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import { settled } from '../base/settled';
import { readMetadata, type BottleMetadata } from '../state/metadata';
import { readAppliedRecord, type AppliedRecord } from './applied-record';
import { BaseContent } from './base-content';
import { readBaseline } from './baseline';
import type { Baseline } from './baseline-types';
import { BlobStore } from './blob-store';
import { changesPaths } from '../state/state-paths';
import { changeSetOf, fingerprintOf } from './change-set';
import { hostStampsOf, markConflicts } from './conflict-marks';
import { isDirectory } from '../fs/is-directory';
import { compareWorkspace } from './change-compare';
import { CompareCache } from './compare-cache';
import { ContainerReader } from './container-reader';
import { NestedRepoCheck } from './nested-repos';
import { SinceApply } from './since-apply';
import { locateWorkspace, type LocatedWorkspace } from './workspace-locator';
import type { AgentListing } from './workspace-reader';

/** A bottle whose metadata and baseline are both there. */
export interface ComparableBottle {
  metadata: BottleMetadata;
  baseline: Baseline;
}

/** Reads a bottle's metadata and (unless given the one read before: it never changes) its baseline. */
export async function loadComparable(identity: string, known?: Baseline): Promise<ComparableBottle> {
  const metadata = await readMetadata(identity);
  if (metadata === null) throw new BottleError('not-found', `no bottle ${identity}`);
  if (known !== undefined) return { metadata, baseline: known };
  const baseline = await readBaseline(identity);
  if (baseline === null)
    throw new BottleError(
      'not-found',
      `bottle ${identity} has no baseline (it was started before claude-bottle recorded one, or by another tool), so its changes cannot be told`,
    );
  if ('unavailable' in baseline) throw new BottleError('unsupported', `bottle ${identity}: ${baseline.unavailable}`);
  return { metadata, baseline };
}

export interface Comparison {
  set: ChangeSet;
  bottle: ComparableBottle;
  located: LocatedWorkspace;
  listing: AgentListing;
  base: BaseContent;
  applied: AppliedRecord;
}

/**
 * One bottle's changes as this process last computed them: the reader (kept open while a view
 * watches, so a refresh of a running bottle is one `find` in an already-open exec), the last
 * listing and per-file results, and the revision counter views follow.
 */
export class BottleChanges {
  private readonly cache = new CompareCache();
  private readonly nested = new NestedRepoCheck();
  private readonly sinceApply = new SinceApply();
  private located: LocatedWorkspace | null = null;
  private listing: AgentListing | null = null;
  private sourceStale = false;
  private fingerprint = '';
  private revision = 0;
  private last: Comparison | null = null;
  private baseline: Baseline | null = null;
  private appliedStamp = 0;
  private hostStamps = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: CoreDeps,
    readonly identity: string,
  ) {}

  get lastSet(): ChangeSet | null {
    return this.last?.set ?? null;
  }

  /** The bottle started, stopped or was rebuilt: the next look finds its workspace again. */
  markSourceStale(): void {
    this.sourceStale = true;
  }

  /** What apply wrote changes which files count as applied: the next look compares again. */
  markApplied(): void {
    this.last = null;
  }

  /**
   * The changes now. `quick` first asks the reader whether anything changed since the last
   * listing (one cheap look) and returns the last result when nothing did. `since: 'apply'` gives
   * the set of changes new since the last apply (see SinceApply); the rest is the same.
   */
  compute(quick: boolean, since: ChangeSince = 'start'): Promise<Comparison> {
    const run = async (): Promise<Comparison> => {
      const comparison = await this.computeNow(quick, true);
      if (since === 'start') return comparison;
      if (comparison.bottle.baseline.mode === 'mount')
        throw new BottleError(
          'unsupported',
          `bottle ${this.identity} works on the project folder itself (mount mode): there is no apply to be new since`,
        );
      const { set, applied, located, base } = comparison;
      return { ...comparison, set: await this.sinceApply.setOf(set, applied, located.reader, base) };
    };
    const result = this.queue.then(run, run);
    this.queue = settled(result); // one computation at a time; the next waits for this one whatever its outcome
    return result;
  }

  /**
   * Closes the reader (and the exec it keeps open) once the computation under way is done: closed
   * under a running one, the reader would open a new exec for it that nobody ever closes (a serve
   * process then never exits).
   */
  close(): Promise<void> {
    const run = (): Promise<void> => this.closeNow();
    const result = this.queue.then(run, run);
    this.queue = settled(result);
    return result;
  }

  private async closeNow(): Promise<void> {
    await this.located?.reader.close();
    this.located = null;
    this.listing = null;
  }

  /** The project folder a copy-mode bottle applies to, while it is there; null otherwise. */
  private async hostRootOf(bottle: ComparableBottle): Promise<string | null> {
    if (!bottle.metadata.copy_cwd || bottle.baseline.mode !== 'copy') return null;
    return (await isDirectory(bottle.baseline.cwd)) ? bottle.baseline.cwd : null;
  }

  private async computeNow(quick: boolean, retry: boolean): Promise<Comparison> {
    const bottle = await loadComparable(this.identity, this.baseline ?? undefined);
    this.baseline = bottle.baseline;
    if (this.located === null || this.sourceStale) {
      await this.closeNow();
      this.sourceStale = false;
      this.located = await locateWorkspace(this.ctx, bottle.metadata, bottle.baseline);
    }
    const located = this.located;
    let listing: AgentListing | null;
    try {
      listing = quick && this.listing !== null ? await located.reader.refresh(this.listing) : await located.reader.list();
    } catch (error: unknown) {
      // The container went away or stopped under us: find the workspace again, once.
      if (!retry) throw error;
      this.markSourceStale();
      return this.computeNow(false, false);
    }
    // What apply wrote decides which files count as applied: a newer record means a new look.
    const appliedStamp = (await ifExists(stat(changesPaths(this.identity).applied)))?.mtimeMs ?? 0;
    // Copy mode: the operator editing a changed file in the project folder makes (or ends) a conflict.
    const hostRoot = await this.hostRootOf(bottle);
    const hostStamps = hostRoot !== null && this.last !== null ? await hostStampsOf(hostRoot, this.last.set.files) : '';
    if (listing === null && this.last !== null && appliedStamp === this.appliedStamp && hostStamps === this.hostStamps) return this.last;
    this.appliedStamp = appliedStamp;
    listing ??= this.listing ?? (await located.reader.list());
    this.listing = listing;
    const applied = await readAppliedRecord(this.identity);
    const base = new BaseContent(bottle.baseline, new BlobStore(changesPaths(this.identity).blobs), applied);
    const files = await compareWorkspace({ baseline: bottle.baseline, listing, reader: located.reader, base, applied, cache: this.cache });
    if (hostRoot !== null) {
      // Stamped before the conflicts are looked for: an edit in between is seen at the next look.
      this.hostStamps = await hostStampsOf(hostRoot, files);
      await markConflicts(this.identity, bottle.baseline, files, applied);
    }
    const warnings = (await this.nested.findings(bottle.baseline, listing.gitEntries ?? [])).map((finding) => finding.message);
    const fingerprint = fingerprintOf(files, warnings);
    if (fingerprint !== this.fingerprint) {
      this.fingerprint = fingerprint;
      this.revision += 1;
    }
    const notes: string[] = [];
    if (located.reader instanceof ContainerReader && located.reader.fallbackReason !== null) {
      notes.push(`listed from the container's whole archive (slower): ${located.reader.fallbackReason}`);
    }
    if (bottle.baseline.mode === 'mount')
      notes.push('mount mode: the agent writes the project folder itself; these are its changes since the bottle started');
    const set = changeSetOf({
      identity: this.identity,
      baseline: bottle.baseline,
      source: located.reader.source,
      files,
      revision: this.revision,
      notes,
      warnings,
      applied,
    });
    this.last = { set, bottle, located, listing, base, applied };
    return this.last;
  }
}
