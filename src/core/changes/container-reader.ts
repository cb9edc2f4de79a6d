import type { EngineContainer } from '../engine/engine-client';
import { readAppliedRecord } from './applied-record';
import { BaseContent } from './base-content';
import type { Baseline, BaselineEntry } from './baseline-types';
import { BlobStore } from './blob-store';
import { changesPaths } from '../state/state-paths';
import { ignoredWithin, scanContainerWorkspace } from './archive-scan';
import { mapLimited } from '../state/state-listing';
import { readContainerFile } from './container-files';
import { readFromBottle, TarUnavailableError } from './container-tar';
import { isGitInternal } from './relative-path';
import { ProbeSession, type ProbeEntry } from './workspace-probe';
import {
  sameStat,
  type AgentContent,
  type AgentEntry,
  type AgentListing,
  type CopyRequest,
  type ReadRequest,
  type WorkspaceReader,
} from './workspace-reader';

function dirKey(item: ProbeEntry): string {
  return `${item.mtimeMs}:${item.ctimeMs}:${item.mode}:${item.ino}`;
}

/** After this many cheap looks (about 30 s), a full listing: catches what no modification time shows (chmod). */
const FULL_LISTING_EVERY = 15;
/** A marker's recorded time is no earlier than its write: this much before a look, it is from an earlier second. */
const MARKER_MARGIN_MS = 1200;

export interface ContainerReaderOptions {
  container: EngineContainer;
  /** Running: listings come from inside the bottle; exited: from its whole archive. */
  running: boolean;
  /** When the container last started: workspace files it was given before then have older ctimes. */
  startedAtMs: number;
  ignore: ((path: string) => boolean) | undefined;
  prunedDirs: string[];
  /** Whose baseline an archive listing's same-stat files are proven against, by content. */
  owner?: { identity: string; baseline: Baseline };
}

/**
 * The agent's side read from its container. A running bottle is listed from inside (one `find`,
 * through a kept-open exec while a view watches) and the changed files are read through the
 * archive API; when nothing can run inside, the whole archive is scanned instead.
 */
export class ContainerReader implements WorkspaceReader {
  private session: ProbeSession | null = null;
  private probeBroken: string | null = null;
  private tarBroken: string | null = null;
  private looks = 0;
  /** Folders of the last full listing (path → stat key): a cheap look is checked against them. */
  private dirs = new Map<string, string>();
  /** Time markers written in the bottle (id → host time of the listing that wrote it), newest last. */
  private markers: { id: number; atMs: number }[] = [];
  private nextMarker = 1;
  /** When the last look that found the workspace as listed began (a full listing or a cheap look). */
  private confirmedAtMs = 0;
  /** The last archive listing's same-stat entries proven by their content. */
  private archiveTrusted = new Set<string>();
  source: 'container' | 'container-archive';

  constructor(private readonly options: ContainerReaderOptions) {
    this.source = options.running ? 'container' : 'container-archive';
  }

  /** Why listings come from the archive instead of from inside the bottle, if they do. */
  get fallbackReason(): string | null {
    return this.probeBroken;
  }

  async list(): Promise<AgentListing> {
    const takenAtMs = Date.now();
    if (this.options.running && this.probeBroken === null) {
      try {
        const mark = this.nextMarker++;
        const answer = await (await this.openSession()).full(mark);
        this.remember(mark, answer.marked);
        this.confirmedAtMs = takenAtMs;
        this.looks = 0;
        this.dirs = new Map(answer.entries.filter((item) => item.kind === 'dir').map((item) => [item.path, dirKey(item)]));
        return { entries: this.toEntries(answer.entries), takenAtMs };
      } catch (error: unknown) {
        // No sh/find/stat in the image, a name no line can carry, an unreadable folder: the
        // engine's own archive still lists everything.
        this.probeBroken = error instanceof Error ? error.message : String(error);
        this.closeSession();
      }
    }
    this.source = 'container-archive';
    const oids = new Map<string, string>();
    const entries = await scanContainerWorkspace(this.options.container, this.options.ignore, oids);
    this.archiveTrusted = await this.proveByContent(entries, oids);
    return { entries, takenAtMs };
  }

  /**
   * The archive's entries whose size and time match the baseline and whose content does too (or
   * whose start-of-run content is nowhere to compare with: the stat decides, as before).
   */
  private async proveByContent(entries: Map<string, AgentEntry>, oids: Map<string, string>): Promise<Set<string>> {
    const trusted = new Set<string>();
    const owner = this.options.owner;
    if (owner === undefined) return trusted;
    const base = new BaseContent(
      owner.baseline,
      new BlobStore(changesPaths(owner.identity).blobs),
      await readAppliedRecord(owner.identity),
    );
    for (const entry of entries.values()) {
      const start = owner.baseline.entries[entry.path];
      if (start === undefined || !sameStat(start, entry, 1000)) continue;
      if (entry.kind === 'symlink') {
        if (entry.target === start.target) trusted.add(entry.path);
        continue;
      }
      const startOid = await base.oid(entry.path).catch((_error: unknown) => null);
      if (startOid === null || oids.get(entry.path) === startOid) trusted.add(entry.path);
    }
    return trusted;
  }

  async refresh(previous: AgentListing): Promise<AgentListing | null> {
    // A stopped container's filesystem cannot change (a restart finds the workspace anew).
    if (!this.options.running) return null;
    const sinceMinutes = (Date.now() - previous.takenAtMs) / 60_000;
    if (this.probeBroken !== null || this.looks >= FULL_LISTING_EVERY || sinceMinutes > 30) return this.list();
    this.looks += 1;
    // Entries modified after a marker written in an earlier second than the last look began (find
    // compares whole seconds: a marker from that same second could miss a later write there).
    // Until such a marker exists (the first second after a full listing), the clock decides, in minutes.
    const since = [...this.markers].reverse().find((marker) => marker.atMs <= this.confirmedAtMs - MARKER_MARGIN_MS);
    const mark = this.nextMarker++;
    const startedAt = Date.now();
    let recent: ProbeEntry[];
    try {
      const session = await this.openSession();
      const oldest = this.markers[0];
      const drop = since !== undefined && oldest !== undefined && oldest.id !== since.id ? (this.markers.shift()?.id ?? null) : null;
      const answer = since === undefined ? await session.recent(sinceMinutes + 2, mark) : await session.since(since.id, mark, drop);
      this.remember(mark, answer.marked);
      recent = answer.entries;
    } catch (error: unknown) {
      // Every failure is meant: the session broke (the agent killed it, the bottle restarted) or
      // answered nonsense; a full listing decides, and reports whatever stops it.
      this.closeSession();
      return this.list();
    }
    const confirmedSecond = Math.floor(this.confirmedAtMs / 1000);
    for (const item of recent) {
      if (isGitInternal(item.path) || ignoredWithin(item.path, this.options.ignore)) continue;
      // Modified in the very second of the last listing: it may have changed again since.
      if (item.mtimeMs / 1000 >= confirmedSecond) return this.list();
      if (item.kind === 'dir') {
        // A new, removed or renamed entry changes its folder's modification time.
        if (this.dirs.get(item.path) !== dirKey(item)) return this.list();
        continue;
      }
      const before = previous.entries.get(item.path);
      if (
        before === undefined ||
        before.size !== item.size ||
        before.mtimeMs !== item.mtimeMs ||
        before.ctimeMs !== item.ctimeMs ||
        before.mode !== item.mode ||
        before.ino !== item.ino
      )
        return this.list();
    }
    this.confirmedAtMs = startedAt;
    return null;
  }

  sameAsBaseline(base: BaselineEntry, entry: AgentEntry): boolean {
    if (!sameStat(base, entry, 1000)) return false;
    // Listed from the archive: no ctime; only what its content proved (see proveByContent).
    if (entry.ctimeMs === null && this.options.owner !== undefined) return this.archiveTrusted.has(entry.path);
    // A file rewritten with its old size and time still gets a new ctime: only files the bottle was
    // given before it started (ctime no later than that second) are proven unchanged.
    return entry.ctimeMs === null || entry.ctimeMs <= Math.floor(this.options.startedAtMs / 1000) * 1000;
  }

  async read(path: string, keepBytes: number): Promise<AgentContent | null> {
    return (await this.readMany([{ path, keep: keepBytes }])).get(path) ?? null;
  }

  readMany(requests: ReadRequest[]): Promise<Map<string, AgentContent | null>> {
    return this.fetch(requests.map(({ path, keep }) => ({ path, keep, copy: null })));
  }

  copyMany(requests: CopyRequest[]): Promise<Map<string, AgentContent | null>> {
    return this.fetch(requests.map((request) => ({ path: request.path, keep: 0, copy: request })));
  }

  /**
   * A running bottle streams the files with its own tar, in one exec; whatever that cannot carry
   * (no tar in the image, a stopped container, a hard link) is read file by file through the
   * engine's archive API.
   */
  private async fetch(requests: { path: string; keep: number; copy: CopyRequest | null }[]): Promise<Map<string, AgentContent | null>> {
    let results = new Map<string, AgentContent | null>();
    if (this.options.running && this.tarBroken === null && requests.length > 1) {
      try {
        results = await readFromBottle(this.options.container, requests);
      } catch (error: unknown) {
        if (!(error instanceof TarUnavailableError)) throw error;
        this.tarBroken = error.message;
        results = new Map();
      }
    }
    const rest = requests.filter((request) => !results.has(request.path));
    const read = await mapLimited(rest, 4, (request) => readContainerFile(this.options.container, request.path, request));
    rest.forEach((request, index) => results.set(request.path, read[index] ?? null));
    return results;
  }

  async close(): Promise<void> {
    this.closeSession();
  }

  private async openSession(): Promise<ProbeSession> {
    if (this.session === null || !this.session.isOpen) {
      this.session = await ProbeSession.open(this.options.container, this.options.prunedDirs);
      this.markers = [];
    }
    return this.session;
  }

  /** A marker the bottle wrote; its time is taken once the answer is back (no earlier than the write). */
  private remember(id: number, marked: boolean): void {
    if (marked) this.markers.push({ id, atMs: Date.now() });
  }

  private closeSession(): void {
    this.session?.close();
    this.session = null;
  }

  private toEntries(probed: ProbeEntry[]): Map<string, AgentEntry> {
    const entries = new Map<string, AgentEntry>();
    for (const item of probed) {
      if (item.kind === 'dir' || isGitInternal(item.path) || ignoredWithin(item.path, this.options.ignore)) continue;
      entries.set(item.path, {
        path: item.path,
        kind: item.kind,
        size: item.size,
        mode: item.mode,
        mtimeMs: item.mtimeMs,
        ctimeMs: item.ctimeMs,
        ino: item.ino,
        target: null,
      });
    }
    return entries;
  }
}
