import { escapeLine } from '../shared/escape-text';
import { timelineWhat, type TimelineEvent } from '../shared/timeline';

/** The longest "what" cell: a long reason stays one row of the table. */
const MAX_WHAT = 100;

/** `timeline`: one row an event, oldest first, in aligned columns (time, kind, what, by). */
export function timelineText(identity: string, events: readonly TimelineEvent[]): string {
  if (events.length === 0) return `${identity} has no events`;
  const rows = events.map((event) => {
    const what = escapeLine(timelineWhat(event));
    return [
      escapeLine(event.at.slice(0, 19).replace('T', ' ')),
      event.kind,
      what.length > MAX_WHAT ? `${what.slice(0, MAX_WHAT - 1)}…` : what,
      escapeLine(event.by),
    ];
  });
  const header = ['TIME (UTC)', 'KIND', 'WHAT', 'BY'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)].join('\n');
}
