import type { ApplyOutcome, ApplyResult, ChangeSet, FileChange } from '../shared/changes';
import { escapeLine } from '../shared/escape-text';

/*
 * Names and link targets are the agent's: besides the escapes every printed line gets (writeText),
 * each is kept on its own line here, so a line feed in a file name cannot forge a line of ours.
 * `raw` (diff --raw) shows them exactly as they are.
 */
type Shown = (text: string) => string;

function shownAs(raw: boolean): Shown {
  return raw ? (text) => text : (text) => escapeLine(text);
}

/** Listed in full up to this many lines per group; `--json` always has them all. */
const LIST_LIMIT = 15;

function octal(mode: number | null): string {
  return mode === null ? '-' : mode.toString(8).padStart(3, '0');
}

function statusLetter(file: FileChange): string {
  return { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', 'mode-changed': 'T' }[file.status];
}

function headline(set: ChangeSet): string {
  const t = set.totals;
  const parts = [
    t.added > 0 ? `${t.added} added` : null,
    t.modified > 0 ? `${t.modified} modified` : null,
    t.deleted > 0 ? `${t.deleted} deleted` : null,
    t.renamed > 0 ? `${t.renamed} renamed` : null,
    t.modeChanged > 0 ? `${t.modeChanged} mode changed` : null,
  ].filter((part): part is string => part !== null);
  const since =
    set.since === 'apply'
      ? set.lastApply === null
        ? 'the start (no apply yet)'
        : `the last apply (${set.lastApply.at})`
      : set.baseline.kind === 'git' && set.baseline.head !== null
        ? `commit ${set.baseline.head.slice(0, 12)}`
        : `the start (${set.baseline.takenAt})`;
  const what = set.since === 'apply' ? 'new' : 'changed';
  if (set.files.length === 0) return `${set.identity}: ${set.since === 'apply' ? 'nothing new' : 'no changes'} since ${since}`;
  return `${set.identity}: ${set.files.length} file${set.files.length === 1 ? '' : 's'} ${what} since ${since} (${parts.join(', ')}; +${t.insertions} −${t.deletions}), read from the ${set.source}`;
}

function describeFile(file: FileChange, show: Shown): string[] {
  const lines = [`${statusLetter(file)} ${file.oldPath === null ? show(file.path) : `${show(file.oldPath)} → ${show(file.path)}`}`];
  if (file.mode !== null && file.oldMode !== null && file.mode !== file.oldMode)
    lines.push(`  mode ${octal(file.oldMode)} → ${octal(file.mode)}`);
  if (file.kind === 'symlink' || file.oldKind === 'symlink')
    lines.push(
      `  symlink ${file.oldLinkTarget === null ? '(none)' : show(file.oldLinkTarget)} → ${file.linkTarget === null ? '(none)' : show(file.linkTarget)}`,
    );
  if (file.note !== null) lines.push(`  (${file.note})`);
  if (file.applied) lines.push('  (already in the project folder)');
  return lines;
}

/** What the operator must look at before running git there: the paths in it are the agent's. */
function warningLines(set: ChangeSet, show: Shown): string[] {
  return set.warnings.map((warning) => `warning: ${show(warning)}`);
}

/** `claude-bottle diff`: a headline, then each file and its unified diff, git style. */
export function formatChangeSet(set: ChangeSet, raw = false): string {
  const show = shownAs(raw);
  const lines = [headline(set), ...warningLines(set, show), ...set.notes.map((note) => `note: ${note}`)];
  for (const file of set.files) {
    lines.push('', ...describeFile(file, show));
    if (file.diff !== null) lines.push(file.diff.trimEnd());
    if (file.truncated) lines.push(`  … see it whole: claude-bottle diff ${set.identity} --file ${show(JSON.stringify(file.path))}`);
  }
  return lines.join('\n');
}

/** `claude-bottle diff --stat`: one line per file with a bar of its added and removed lines. */
export function formatStat(set: ChangeSet, raw = false): string {
  const show = shownAs(raw);
  const names = set.files.map((file) => (file.oldPath === null ? show(file.path) : `${show(file.oldPath)} => ${show(file.path)}`));
  const width = Math.min(60, Math.max(...names.map((name) => name.length), 0));
  const most = Math.max(1, ...set.files.map((file) => file.insertions + file.deletions));
  const lines = set.files.map((file, index) => {
    const name = (names[index] ?? '').padEnd(width);
    if (file.binary) return ` ${name} | Bin ${file.oldSize ?? 0} -> ${file.size ?? 0} bytes`;
    if (file.kind === 'symlink') return ` ${name} | symlink → ${show(file.linkTarget ?? '')}`;
    const scale = Math.min(1, 40 / most);
    const bar = `${'+'.repeat(Math.ceil(file.insertions * scale))}${'-'.repeat(Math.ceil(file.deletions * scale))}`;
    const label =
      file.status === 'mode-changed' ? `mode ${octal(file.oldMode)} → ${octal(file.mode)}` : `${file.insertions + file.deletions} ${bar}`;
    return ` ${name} | ${label}`;
  });
  const t = set.totals;
  lines.push(
    ` ${set.files.length} file${set.files.length === 1 ? '' : 's'} changed, ${t.insertions} insertion${t.insertions === 1 ? '' : 's'}(+), ${t.deletions} deletion${t.deletions === 1 ? '' : 's'}(-)`,
  );
  lines.push(...warningLines(set, show));
  return lines.join('\n');
}

function listed(title: string, outcomes: ApplyOutcome[], line: (outcome: ApplyOutcome) => string): string[] {
  if (outcomes.length === 0) return [];
  const shown = outcomes.slice(0, LIST_LIMIT).map((outcome) => `  ${line(outcome)}`);
  if (outcomes.length > LIST_LIMIT) shown.push(`  … and ${outcomes.length - LIST_LIMIT} more (--json lists them all)`);
  return [title, ...shown];
}

/** `claude-bottle apply`: one screen: counts, then conflicts and skips (and, dry, the plan). */
export function formatApply(result: ApplyResult): string {
  const show = shownAs(false);
  const { counts } = result;
  const project = show(result.project);
  const changing = result.outcomes.filter((outcome) => ['write', 'delete', 'chmod', 'symlink'].includes(outcome.action));
  const head = result.dryRun
    ? `dry run: apply would change ${changing.length} file${changing.length === 1 ? '' : 's'} in ${project}; nothing was written`
    : changing.length === 0 && counts.conflicts === 0
      ? `nothing to apply: ${project} already has every change of ${result.identity}`
      : `applied ${result.identity} to ${project}`;
  const lines = [
    head,
    `  ${result.dryRun ? 'would write' : 'written'} ${counts.written}, ${result.dryRun ? 'would delete' : 'deleted'} ${counts.deleted}, conflicts ${counts.conflicts}, already there ${counts.unchanged}, skipped ${counts.skipped}`,
  ];
  if (result.dryRun) lines.push(...listed('plan:', changing, (outcome) => `${outcome.action.padEnd(7)} ${show(outcome.path)}`));
  lines.push(
    ...listed(
      'conflicts (your version stays):',
      result.outcomes.filter((outcome) => outcome.action === 'conflict'),
      (outcome) =>
        `${show(outcome.path)}: ${outcome.detail ?? 'changed on both sides'}${outcome.sidecar === null ? '' : `; the agent's version ${result.dryRun ? 'would go' : 'is'} in ${show(outcome.sidecar)}`}`,
    ),
    ...listed(
      'skipped:',
      result.outcomes.filter((outcome) => outcome.action === 'skipped'),
      (outcome) => `${show(outcome.path)}: ${outcome.detail ?? 'skipped'}`,
    ),
  );
  return lines.join('\n');
}
