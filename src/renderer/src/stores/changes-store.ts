import { create } from 'zustand';
import type { ApplyResult, ChangeSet, ChangeSince, DiscardResult, ExportResult, FileDetail, ResolveResult } from '../../../shared/changes';
import { invoke, messageOf } from '../api/api';

export type ChangesBusy = 'planning' | 'applying' | 'applying-file' | 'discarding' | 'exporting' | null;

/** One bottle's Changes view: what the core last pushed, and where the operator is in it. */
export interface BottleChangesView {
  set: ChangeSet | null;
  error: string | null;
  selected: string | null;
  /** Whole diffs fetched on demand, by path (only for the revision they were fetched at). */
  whole: Record<string, FileDetail>;
  loadingWhole: string | null;
  /** A dry run waiting for the operator's go-ahead. */
  plan: ApplyResult | null;
  applyResult: ApplyResult | null;
  busy: ChangesBusy;
  branch: string;
  exportResult: ExportResult | null;
  actionError: string | null;
  /** The file whose Discard waits on the operator's confirmation. */
  confirmDiscard: string | null;
  discardResult: DiscardResult | null;
  /** The conflicting file open in the merge view. */
  merging: string | null;
  resolveResult: ResolveResult | null;
}

interface ChangesState {
  byIdentity: Record<string, BottleChangesView>;
  /** Since the start, or new since the last apply: per bottle, for the session (kept when the view closes). */
  since: Record<string, ChangeSince>;
  setSince(identity: string, since: ChangeSince): void;
  open(identity: string): void;
  close(identity: string): void;
  /** A `changes-updated` event: re-read unless this revision is already shown. */
  updated(identity: string, revision: number): void;
  select(identity: string, path: string): void;
  loadWhole(identity: string, path: string): Promise<void>;
  planApply(identity: string): Promise<void>;
  confirmApply(identity: string): Promise<void>;
  cancelApply(identity: string): void;
  /** Per-file Apply: the same rules as the whole apply, for one change. */
  applyFile(identity: string, path: string): Promise<void>;
  askDiscard(identity: string, path: string | null): void;
  discardFile(identity: string, path: string): Promise<void>;
  /** Opens the merge view on a conflicting file (null closes it). */
  openMerge(identity: string, path: string | null): void;
  /** The merge view saved: it closes and says what it did. */
  resolvedMerge(identity: string, result: ResolveResult): void;
  setBranch(identity: string, branch: string): void;
  exportBranch(identity: string): Promise<void>;
}

/**
 * The branch Export offers before the operator types anything: a real name, not a placeholder, so the
 * button is ready as soon as the panel opens (the operator may still change it).
 */
export function defaultBranchName(identity: string): string {
  return `bottle/${identity}`;
}

function emptyView(identity: string): BottleChangesView {
  return {
    set: null,
    error: null,
    selected: null,
    whole: {},
    loadingWhole: null,
    plan: null,
    applyResult: null,
    busy: null,
    branch: defaultBranchName(identity),
    exportResult: null,
    actionError: null,
    confirmDiscard: null,
    discardResult: null,
    merging: null,
    resolveResult: null,
  };
}

/** The core stops pushing a minute after the last ask: a view renews well before. */
const LEASE_RENEW_MS = 20_000;
const leases = new Map<string, number>();
const inFlight = new Map<string, { again: boolean }>();

export const useChangesStore = create<ChangesState>()((set, get) => {
  const patch = (identity: string, change: Partial<BottleChangesView>): void =>
    set((state) => ({
      byIdentity: { ...state.byIdentity, [identity]: { ...(state.byIdentity[identity] ?? emptyView(identity)), ...change } },
    }));
  const view = (identity: string): BottleChangesView => get().byIdentity[identity] ?? emptyView(identity);

  /** Asks the core for the changes (and to keep watching); one request at a time per bottle. */
  const fetchChanges = async (identity: string): Promise<void> => {
    const running = inFlight.get(identity);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const token = { again: false };
    inFlight.set(identity, token);
    try {
      do {
        token.again = false;
        try {
          const changes = await invoke('changes:watch', identity, { since: get().since[identity] ?? 'start' });
          if (!leases.has(identity)) return;
          const current = view(identity);
          const selected =
            current.selected !== null && changes.files.some((file) => file.path === current.selected)
              ? current.selected
              : (changes.files[0]?.path ?? null);
          const whole = current.set?.revision === changes.revision && current.set.since === changes.since ? current.whole : {};
          patch(identity, { set: changes, error: null, selected, whole });
        } catch (error: unknown) {
          if (leases.has(identity)) patch(identity, { error: messageOf(error) });
        }
      } while (token.again);
    } finally {
      inFlight.delete(identity);
    }
  };

  return {
    byIdentity: {},
    since: {},
    setSince: (identity, since) => {
      if ((get().since[identity] ?? 'start') === since) return;
      set((state) => ({ since: { ...state.since, [identity]: since } }));
      if (leases.has(identity)) void fetchChanges(identity);
    },
    open: (identity) => {
      if (leases.has(identity)) return;
      leases.set(
        identity,
        window.setInterval(() => void fetchChanges(identity), LEASE_RENEW_MS),
      );
      patch(identity, { error: null });
      void fetchChanges(identity);
    },
    close: (identity) => {
      const timer = leases.get(identity);
      if (timer === undefined) return;
      window.clearInterval(timer);
      leases.delete(identity);
      set((state) => {
        const byIdentity = { ...state.byIdentity };
        // The since choice stays: the view opens again as the operator left it.
        delete byIdentity[identity];
        return { byIdentity };
      });
      invoke('changes:unwatch', identity).catch((_error: unknown) => undefined); // the core's lease lapses on its own anyway
    },
    updated: (identity, revision) => {
      if (!leases.has(identity)) return;
      if (revision !== -1 && view(identity).set?.revision === revision) return;
      void fetchChanges(identity);
    },
    select: (identity, path) => patch(identity, { selected: path }),
    loadWhole: async (identity, path) => {
      patch(identity, { loadingWhole: path, actionError: null });
      try {
        const detail = await invoke('changes:file', identity, { path, view: 'diff', since: view(identity).set?.since ?? 'start' });
        patch(identity, { whole: { ...view(identity).whole, [path]: detail }, loadingWhole: null });
      } catch (error: unknown) {
        patch(identity, { loadingWhole: null, actionError: `Could not load ${path}: ${messageOf(error)}` });
      }
    },
    planApply: async (identity) => {
      patch(identity, { busy: 'planning', actionError: null, applyResult: null, plan: null });
      try {
        patch(identity, { plan: await invoke('changes:apply', identity, { dryRun: true, sidecars: true }), busy: null });
      } catch (error: unknown) {
        patch(identity, { busy: null, actionError: `Apply failed: ${messageOf(error)}` });
      }
    },
    confirmApply: async (identity) => {
      patch(identity, { busy: 'applying', actionError: null });
      try {
        patch(identity, {
          applyResult: await invoke('changes:apply', identity, { dryRun: false, sidecars: true }),
          plan: null,
          busy: null,
        });
      } catch (error: unknown) {
        patch(identity, { busy: null, actionError: `Apply failed: ${messageOf(error)}` });
      }
    },
    cancelApply: (identity) => patch(identity, { plan: null }),
    applyFile: async (identity, path) => {
      patch(identity, { busy: 'applying-file', actionError: null, applyResult: null, plan: null, discardResult: null });
      try {
        patch(identity, {
          applyResult: await invoke('changes:apply', identity, { dryRun: false, sidecars: true, paths: [path] }),
          busy: null,
        });
      } catch (error: unknown) {
        patch(identity, { busy: null, actionError: `Apply of ${path} failed: ${messageOf(error)}` });
      }
    },
    askDiscard: (identity, path) => patch(identity, { confirmDiscard: path, discardResult: null, actionError: null }),
    discardFile: async (identity, path) => {
      patch(identity, { busy: 'discarding', actionError: null, applyResult: null, discardResult: null });
      try {
        patch(identity, { discardResult: await invoke('changes:discard', identity, { path }), confirmDiscard: null, busy: null });
      } catch (error: unknown) {
        patch(identity, { busy: null, confirmDiscard: null, actionError: `Discard of ${path} failed: ${messageOf(error)}` });
      }
    },
    // Closing (null) keeps what the last save said: the dialog closes itself after a save, too.
    openMerge: (identity, path) =>
      patch(identity, path === null ? { merging: null } : { merging: path, resolveResult: null, actionError: null }),
    resolvedMerge: (identity, result) => {
      patch(identity, { merging: null, resolveResult: result });
      void fetchChanges(identity);
    },
    setBranch: (identity, branch) => patch(identity, { branch, exportResult: null }),
    exportBranch: async (identity) => {
      patch(identity, { busy: 'exporting', actionError: null, exportResult: null });
      try {
        patch(identity, { exportResult: await invoke('changes:export', identity, { branch: view(identity).branch.trim() }), busy: null });
      } catch (error: unknown) {
        patch(identity, { busy: null, actionError: `Export failed: ${messageOf(error)}` });
      }
    },
  };
});

// One stable empty view per identity, so a component reading a bottle with no entry yet does not see a
// new object on every render.
const EMPTY = new Map<string, BottleChangesView>();

function emptyFor(identity: string): BottleChangesView {
  let empty = EMPTY.get(identity);
  if (empty === undefined) {
    empty = emptyView(identity);
    EMPTY.set(identity, empty);
  }
  return empty;
}

export function useChangesView(identity: string): BottleChangesView {
  return useChangesStore((state) => state.byIdentity[identity]) ?? emptyFor(identity);
}
