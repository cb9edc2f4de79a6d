import type { JSX } from 'react';
import { isBusy } from '../../../shared/allowed-actions';
import type { BottleView } from '../../../shared/bottle-view';
import type { ApplyOutcome, ApplyResult, ChangeSet } from '../../../shared/changes';
import { branchNameProblem } from '../../../shared/rules';
import { escapeLine } from '../../../shared/escape-text';
import { useChangesStore, useChangesView } from '../stores/changes-store';

const LIST_LIMIT = 12;

/** Opens the merge view on a conflict that is still one; says so of one resolved since. */
function ResolveButton({ identity, set, path }: { identity: string; set: ChangeSet; path: string }): JSX.Element | null {
  const change = set.files.find((file) => file.path === path);
  if (change === undefined) return null;
  if (!change.conflict) return change.applied ? <span className="tag tag-ok">resolved</span> : null;
  return (
    <button
      type="button"
      className="button button-small"
      onClick={() => useChangesStore.getState().openMerge(identity, path)}
      data-testid="resolve-outcome"
    >
      Resolve…
    </button>
  );
}

function OutcomeList({
  title,
  outcomes,
  dry,
  resolve,
}: {
  title: string;
  outcomes: ApplyOutcome[];
  dry: boolean;
  resolve?: (path: string) => JSX.Element | null;
}): JSX.Element | null {
  if (outcomes.length === 0) return null;
  return (
    <div className="apply-list">
      <h4>{title}</h4>
      <ul>
        {outcomes.slice(0, LIST_LIMIT).map((outcome) => (
          <li key={outcome.path}>
            <code>{escapeLine(outcome.path)}</code>
            {outcome.detail !== null ? ` — ${outcome.detail}` : ''}
            {outcome.sidecar !== null ? (
              <>
                {'; the agent’s version '}
                {dry ? 'would go' : 'is'} in <code>{escapeLine(outcome.sidecar)}</code>
              </>
            ) : null}{' '}
            {resolve?.(outcome.path) ?? null}
          </li>
        ))}
        {outcomes.length > LIST_LIMIT ? <li className="muted">… and {outcomes.length - LIST_LIMIT} more</li> : null}
      </ul>
    </div>
  );
}

/** The one-screen summary of an apply, or of the plan a dry run made. */
function ApplySummary({ result, identity, set }: { result: ApplyResult; identity: string; set: ChangeSet }): JSX.Element {
  const { counts } = result;
  const changing = counts.written + counts.deleted;
  const headline = result.dryRun
    ? `Apply would write ${counts.written} and delete ${counts.deleted} file${counts.deleted === 1 ? '' : 's'} in ${result.project}.`
    : changing === 0 && counts.conflicts === 0
      ? `Nothing to apply: ${result.project} already has every change.`
      : `Applied: ${counts.written} written, ${counts.deleted} deleted in ${result.project}.`;
  return (
    <div
      className={`apply-summary ${counts.conflicts > 0 ? 'has-conflicts' : ''}`}
      role="status"
      data-testid={result.dryRun ? 'apply-plan' : 'apply-summary'}
    >
      <p className="apply-headline">{headline}</p>
      <p className="muted">
        {counts.conflicts} conflict{counts.conflicts === 1 ? '' : 's'} · {counts.unchanged} already there · {counts.skipped} skipped
      </p>
      <OutcomeList
        title="Conflicts: your version stays"
        outcomes={result.outcomes.filter((outcome) => outcome.action === 'conflict')}
        dry={result.dryRun}
        resolve={(path) => <ResolveButton identity={identity} set={set} path={path} />}
      />
      <OutcomeList title="Skipped" outcomes={result.outcomes.filter((outcome) => outcome.action === 'skipped')} dry={result.dryRun} />
    </div>
  );
}

/** Apply (copy mode, with a dry run shown first) and Export as a branch (git projects). */
export function ChangesActions({
  identity,
  set,
  bottle,
}: {
  identity: string;
  set: ChangeSet;
  bottle: BottleView | undefined;
}): JSX.Element {
  const view = useChangesView(identity);
  const { planApply, confirmApply, cancelApply, setBranch, exportBranch } = useChangesStore.getState();
  const busyElsewhere = bottle !== undefined && isBusy(bottle);
  const applyBlocked =
    set.mode !== 'copy'
      ? 'The agent works on the project folder itself: there is nothing to apply'
      : set.sinceCounts.start === 0
        ? 'No changes to apply'
        : busyElsewhere
          ? `Busy: ${bottle?.activity?.kind ?? 'working'}`
          : null;
  const branchProblem = view.branch === '' ? null : branchNameProblem(view.branch);
  const exportBlocked =
    set.baseline.kind !== 'git'
      ? 'The project was not a git repository when the bottle started'
      : busyElsewhere
        ? `Busy: ${bottle?.activity?.kind ?? 'working'}`
        : null;
  return (
    <section className="changes-actions" aria-label="Bring the changes home">
      <div className="changes-action-row">
        <button
          type="button"
          className="button button-primary"
          disabled={applyBlocked !== null || view.busy !== null}
          title={applyBlocked ?? 'See what apply would do, then confirm'}
          onClick={() => void planApply(identity)}
          data-testid="apply-button"
        >
          {view.busy === 'planning' ? 'Checking…' : 'Apply to project folder…'}
        </button>
        <form
          className="export-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (branchNameProblem(view.branch) === null) void exportBranch(identity);
          }}
        >
          <label className="field">
            <span className="field-label">New branch</span>
            <input
              type="text"
              value={view.branch}
              spellCheck={false}
              disabled={exportBlocked !== null}
              aria-invalid={branchProblem !== null}
              aria-describedby={branchProblem !== null ? `branch-problem-${identity}` : undefined}
              onChange={(event) => setBranch(identity, event.target.value)}
              data-testid="branch-input"
            />
          </label>
          <button
            type="submit"
            className="button"
            disabled={exportBlocked !== null || view.busy !== null || view.branch === '' || branchProblem !== null}
            title={exportBlocked ?? undefined}
            data-testid="export-button"
          >
            {view.busy === 'exporting' ? 'Exporting…' : 'Export branch'}
          </button>
        </form>
      </div>
      {branchProblem !== null ? (
        <p className="field-problem" id={`branch-problem-${identity}`}>
          Branch name: {branchProblem}
        </p>
      ) : null}
      {view.actionError !== null ? (
        <p className="changes-error" role="alert">
          {view.actionError}
        </p>
      ) : null}
      {view.plan !== null ? (
        <div className="apply-confirm">
          <ApplySummary result={view.plan} identity={identity} set={set} />
          <div className="apply-confirm-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={view.busy !== null}
              onClick={() => void confirmApply(identity)}
              autoFocus
              data-testid="apply-confirm"
            >
              {view.busy === 'applying' ? 'Applying…' : 'Apply'}
            </button>
            <button type="button" className="button" disabled={view.busy !== null} onClick={() => cancelApply(identity)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {view.applyResult !== null ? <ApplySummary result={view.applyResult} identity={identity} set={set} /> : null}
      {view.resolveResult !== null ? (
        <p className="apply-summary" role="status" data-testid="resolve-result">
          Resolved <code>{escapeLine(view.resolveResult.path)}</code>:{' '}
          {view.resolveResult.take === 'host'
            ? 'your version stays'
            : view.resolveResult.take === 'agent'
              ? 'the agent’s version is in the project folder'
              : 'the merge result is in the project folder'}
          {view.resolveResult.sidecarRemoved !== null ? `; ${escapeLine(view.resolveResult.sidecarRemoved)} removed` : ''}
          {view.resolveResult.note !== null ? ` (${view.resolveResult.note})` : ''}.
        </p>
      ) : null}
      {view.discardResult !== null ? (
        <p className="apply-summary" role="status" data-testid="discard-result">
          Discarded in the bottle: <code>{escapeLine(view.discardResult.path)}</code>
          {view.discardResult.restored.length > 0 ? ` — back as it started: ${view.discardResult.restored.map(escapeLine).join(', ')}` : ''}
          {view.discardResult.removed.length > 0 ? ` — removed: ${view.discardResult.removed.map(escapeLine).join(', ')}` : ''}
        </p>
      ) : null}
      {view.exportResult !== null ? (
        <p className="export-result" role="status" data-testid="export-result">
          Created branch <code>{view.exportResult.branch}</code> at <code>{view.exportResult.tip?.slice(0, 12)}</code>:{' '}
          {view.exportResult.commits} commit
          {view.exportResult.commits === 1 ? '' : 's'}
          {view.exportResult.base !== null ? ` on top of ${view.exportResult.base.slice(0, 12)}` : ''}
          {view.exportResult.uncommitted ? ', the last holding what the agent left uncommitted' : ''}. Your checkout is untouched.
          {view.exportResult.networkLog !== null ? (
            <>
              {' '}
              Its connection log is a note on it: <code>git notes --ref=claude-bottle-network show {view.exportResult.branch}</code>
            </>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}
