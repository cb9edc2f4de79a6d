import type { CheckpointList, CheckpointRestore, CheckpointView } from '../shared/checkpoints';
import { escapeLine } from '../shared/escape-text';
import { formatBytes } from '../shared/format-bytes';

/** "20261204-162400-ab12c "before refactor" (12 MiB)": one checkpoint on one line. */
export function checkpointLine(view: CheckpointView): string {
  const name = view.name === null ? '' : ` "${escapeLine(view.name)}"`;
  return `${view.id}${name} (${formatBytes(view.sizes.total)})`;
}

/** What `checkpoint` says when it took one: where, what it holds, how long the bottle was paused. */
export function takenText(view: CheckpointView): string {
  const parts = [
    view.saved.workspace ? `workspace ${formatBytes(view.sizes.workspace)}` : null,
    view.saved.transcript ? `transcript ${formatBytes(view.sizes.transcript)}` : null,
    view.dockerfile === null ? null : `Dockerfile (${view.dockerfile === 'own' ? "the bottle's own" : "the agent's"})`,
    view.git === null
      ? null
      : `git ${view.git.head?.slice(0, 12) ?? 'unborn'}${view.git.status.length > 0 ? `, ${view.git.status.length} changed` : ''}`,
  ].filter((part): part is string => part !== null);
  const pause = view.pausedMs === null ? `from its ${view.source} state` : `paused ${view.pausedMs} ms for the copy`;
  return `checkpoint ${checkpointLine(view)} of ${view.identity}: ${parts.join(', ')}; ${pause}`;
}

/** `checkpoints`: one row a checkpoint, oldest first, then the total against the budget. */
export function listText(list: CheckpointList): string {
  if (list.checkpoints.length === 0) return `${list.identity} has no checkpoints`;
  const rows = list.checkpoints.map((view) => [
    view.id,
    view.at.slice(0, 19).replace('T', ' '),
    formatBytes(view.sizes.total),
    view.git?.head?.slice(0, 12) ?? '-',
    escapeLine(view.name ?? '-'),
  ]);
  const header = ['ID', 'TAKEN (UTC)', 'SIZE', 'GIT HEAD', 'NAME'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  const total = `${list.checkpoints.length} checkpoint${list.checkpoints.length === 1 ? '' : 's'}, ${formatBytes(list.totalBytes)} of a ${formatBytes(list.budgetBytes)} budget`;
  return [format(header), ...rows.map(format), total].join('\n');
}

/** What `restore` says: what the resume will start from, where the replaced state is kept, and whether the image is gone. */
export function restoredText(result: CheckpointRestore): string {
  const lines = [
    `${result.identity} goes back to checkpoint ${checkpointLine(result.restored)} at its next resume (claude-bottle resume ${result.identity})`,
    `what it replaced is kept as checkpoint ${checkpointLine(result.before)}`,
  ];
  if (result.image === 'gone')
    lines.push(
      `the checkpoint's image (${escapeLine(result.restored.image.reference ?? 'unrecorded')}) is gone from the engine: the resume builds it again from the checkpoint's Dockerfile`,
    );
  return lines.join('\n');
}
