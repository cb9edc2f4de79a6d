import { lazy, Suspense, useEffect, useState, type JSX } from 'react';
import type { MergeTake, MergeVersions } from '../../../shared/changes';
import { escapeLine } from '../../../shared/escape-text';
import { formatBytes } from '../../../shared/format-bytes';
import { invoke, messageOf } from '../api/api';
import { useChangesStore, useChangesView } from '../stores/changes-store';
import { useModalDialog } from './use-modal-dialog';

// CodeMirror is large: its own chunk, loaded when a merge is first opened.
const MergeEditor = lazy(() => import('./merge-editor'));

type Loaded = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; versions: MergeVersions };

const MARKER = /^(?:<{7}|>{7}) /m;

/** Reads the three versions of `path`; `reload` reads them again (the result the operator edited is kept). */
function useVersions(identity: string, path: string | null): { loaded: Loaded; reload: () => void } {
  const [loaded, setLoaded] = useState<{ path: string; generation: number; value: Loaded } | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    invoke('changes:merge', identity, { path }).then(
      (versions) => live && setLoaded({ path, generation, value: { kind: 'ready', versions } }),
      (error: unknown) => live && setLoaded({ path, generation, value: { kind: 'failed', message: messageOf(error) } }),
    );
    return () => {
      live = false;
    };
  }, [identity, path, generation]);
  // A reload keeps showing the last versions until the new ones come; another file shows none.
  const value = loaded !== null && loaded.path === path ? loaded.value : ({ kind: 'loading' } as const);
  return { loaded: value, reload: () => setGeneration((current) => current + 1) };
}

/**
 * A conflict resolved in a three-way merge view (a native modal dialog: focus stays in it, Esc
 * cancels): the start, the operator's version and the agent's, and the result to save, seeded with
 * a line merge. Take host / Take agent put one side in the result (text), or save it whole (binary
 * or large files). Save writes the project file; the core refuses if that file changed meanwhile,
 * and the view reads the versions again, keeping the operator's result.
 */
export function MergeDialog({ identity }: { identity: string }): JSX.Element {
  const path = useChangesView(identity).merging;
  const { openMerge, resolvedMerge } = useChangesStore.getState();
  const { loaded, reload } = useVersions(identity, path);
  const versions = loaded.kind === 'ready' ? loaded.versions : null;
  // What the operator put in the result (Take host / Take agent / Reset) and what it holds now; until
  // then, the line merge first read. A reload after a refused save never replaces either.
  const [chosen, setChosen] = useState<{ text: string; version: number } | null>(null);
  const [edited, setEdited] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialogRef = useModalDialog(path !== null, () => {
    setChosen(null);
    setEdited(null);
    setError(null);
  });
  const merged = versions?.merged ?? null;
  const seed = chosen ?? (merged !== null ? { text: merged, version: 0 } : null);
  const result = edited ?? seed?.text ?? null;

  const fill = (text: string): void => {
    setChosen((current) => ({ text, version: (current?.version ?? 0) + 1 }));
    setEdited(text);
  };
  const save = async (take: MergeTake): Promise<void> => {
    if (versions === null || path === null || versions.host.oid === null || versions.agent.oid === null) return;
    setSaving(true);
    setError(null);
    try {
      const request = { path, take, hostOid: versions.host.oid, agentOid: versions.agent.oid };
      resolvedMerge(identity, await invoke('changes:resolve', identity, take === 'result' ? { ...request, text: result ?? '' } : request));
    } catch (failure: unknown) {
      setError(`Not saved: ${messageOf(failure)}. The versions were read again; your result is kept.`);
      reload();
    } finally {
      setSaving(false);
    }
  };

  const text = versions !== null && versions.merged !== null && seed !== null;
  const stillMarked = result !== null && MARKER.test(result);
  const name = path === null ? '' : escapeLine(path);
  return (
    <dialog
      ref={dialogRef}
      className="confirm merge-dialog"
      aria-label={`Resolve ${name}`}
      onClose={() => openMerge(identity, null)}
      data-testid="merge-dialog"
    >
      <h2>Resolve {name}</h2>
      {loaded.kind === 'loading' ? <p role="status">Reading the three versions…</p> : null}
      {loaded.kind === 'failed' ? (
        <p className="changes-error" role="alert">
          Could not read the versions: {loaded.message}
        </p>
      ) : null}
      {versions !== null ? (
        <p className="muted" data-testid="merge-summary">
          You and the agent both changed it since the start.{' '}
          {versions.merged !== null
            ? versions.conflicts === 0
              ? 'The changes did not overlap: the result holds both.'
              : `${versions.conflicts} place${versions.conflicts === 1 ? '' : 's'} changed on both sides ${versions.conflicts === 1 ? 'is' : 'are'} marked in the result.`
            : `Yours: ${formatBytes(versions.host.size)}; the agent’s: ${formatBytes(versions.agent.size)}.`}
          {versions.sidecar !== null ? ` Saving also removes ${escapeLine(versions.sidecar)}.` : ''}
        </p>
      ) : null}
      {versions?.note != null ? (
        <p className="confirm-warning" data-testid="merge-note">
          {versions.note}
        </p>
      ) : null}
      {text && path !== null ? (
        <Suspense fallback={<p role="status">Loading the editor…</p>}>
          <MergeEditor
            path={path}
            base={versions.base.text ?? ''}
            host={versions.host.text ?? ''}
            agent={versions.agent.text ?? ''}
            seed={seed}
            onResult={setEdited}
          />
        </Suspense>
      ) : null}
      {error !== null ? (
        <p className="changes-error" role="alert" data-testid="merge-error">
          {error}
        </p>
      ) : null}
      {stillMarked ? <p className="confirm-warning">The result still holds conflict markers: they are saved as they are.</p> : null}
      <div className="confirm-actions merge-actions">
        {text ? (
          <>
            <button type="button" className="button" onClick={() => fill(versions.host.text ?? '')} data-testid="merge-take-host">
              Take host
            </button>
            <button type="button" className="button" onClick={() => fill(versions.agent.text ?? '')} data-testid="merge-take-agent">
              Take agent
            </button>
            <button type="button" className="button" onClick={() => fill(versions.merged ?? '')} title="Back to the line merge">
              Reset to merge
            </button>
            <span className="merge-actions-gap" />
            <button type="button" className="button" onClick={() => openMerge(identity, null)}>
              Cancel
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={saving}
              onClick={() => void save('result')}
              data-testid="merge-save"
            >
              {saving ? 'Saving…' : 'Save result'}
            </button>
          </>
        ) : (
          <>
            <span className="merge-actions-gap" />
            <button type="button" className="button" onClick={() => openMerge(identity, null)}>
              Cancel
            </button>
            <button
              type="button"
              className="button"
              disabled={versions === null || saving}
              title="Keep your file as it is; the agent’s version no longer counts as a conflict"
              onClick={() => void save('host')}
              data-testid="merge-take-host"
            >
              Take host
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={versions === null || saving}
              title="Replace your file with the agent’s version"
              onClick={() => void save('agent')}
              data-testid="merge-take-agent"
            >
              Take agent
            </button>
          </>
        )}
      </div>
    </dialog>
  );
}
