import type { ApplyCounts, ApplyOutcome, ApplyResult } from '../../shared/changes';

export function summarizeApply(identity: string, project: string, dryRun: boolean, outcomes: ApplyOutcome[]): ApplyResult {
  const counts: ApplyCounts = { written: 0, deleted: 0, conflicts: 0, unchanged: 0, skipped: 0 };
  for (const outcome of outcomes) {
    if (outcome.action === 'write' || outcome.action === 'chmod' || outcome.action === 'symlink') counts.written += 1;
    else if (outcome.action === 'delete') counts.deleted += 1;
    else if (outcome.action === 'conflict') counts.conflicts += 1;
    else if (outcome.action === 'unchanged') counts.unchanged += 1;
    else counts.skipped += 1;
  }
  return { identity, project, dryRun, outcomes: [...outcomes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), counts };
}
