import type { BottleView } from '../../shared/bottle-view';
import { createBottleContext } from '../../core/services/bottle-context';
import { listBottles } from '../../core/bottles/bottle-list';
import { rebuildFieldsProvider } from '../../core/services/rebuild-hooks';
import { parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle ls [--json]';

function statusText(view: BottleView): string {
  if (view.pendingRequest !== null) return 'awaiting-approval';
  if (view.status === 'exited' && view.exitCode !== null) return `exited (${view.exitCode})`;
  return view.status;
}

function table(views: BottleView[]): string {
  const rows = views.map((view) => [view.identity, view.agentName ?? '-', statusText(view), view.copyCwd === null ? '-' : view.copyCwd ? 'copy' : 'mount', view.startedAt?.slice(0, 19).replace('T', ' ') ?? '-', view.cwd ?? '-']);
  const header = ['IDENTITY', 'AGENT', 'STATUS', 'MODE', 'STARTED', 'PROJECT'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [format(header), ...rows.map(format)].join('\n');
}

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length > 0) throw new UsageError(`ls takes no arguments (usage: ${USAGE})`);
  const views = await listBottles(createBottleContext(), { rebuildFields: rebuildFieldsProvider() });
  if (values.json === true) printJson(views);
  else process.stdout.write(views.length === 0 ? 'no bottles\n' : `${table(views)}\n`);
  return 0;
};
