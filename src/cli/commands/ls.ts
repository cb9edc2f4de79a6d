import { agentStatusLine } from '../../shared/agent-status-line';
import { displayStatus } from '../../shared/allowed-actions';
import type { BottleView } from '../../shared/bottle-view';
import { otherInstancesNote } from '../../shared/other-instances';
import { createCliCore } from '../cli-context';
import { escapeLine } from '../../shared/escape-text';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle ls [--json]';

function table(views: BottleView[]): string {
  // One line per bottle, and the columns measured as printed: a cell is escaped before padding.
  const rows = views.map((view) =>
    [
      view.identity,
      view.name ?? '-',
      view.agentName ?? '-',
      displayStatus(view),
      view.engine,
      view.copyCwd === null ? '-' : `${view.copyCwd ? 'copy' : 'mount'}${view.autonomous ? ' (autonomous)' : ''}`,
      view.startedAt?.slice(0, 19).replace('T', ' ') ?? '-',
      agentStatusLine(view) ?? '-',
      view.cwd ?? '-',
    ].map((cell) => escapeLine(cell)),
  );
  const header = ['IDENTITY', 'NAME', 'AGENT', 'STATUS', 'ENGINE', 'MODE', 'STARTED', 'ACTIVITY', 'PROJECT'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [format(header), ...rows.map(format)].join('\n');
}

/**
 * Every bottle of this state root, each inbox settled first: a request an agent just wrote shows with
 * no app running. Other instances' bottles on the engine are only counted, on stderr.
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length > 0) throw new UsageError(`ls takes no arguments (usage: ${USAGE})`);
  // A read may stop a bottle over its disk budget: its progress must not mix with the JSON.
  const { bottles: views, otherInstances, unreachableEngines = [] } = await createCliCore(owner, values.json === true).bottles.listing();
  if (values.json === true)
    printJson(views.map((view) => ({ ...view, displayStatus: displayStatus(view), agentStatusLine: agentStatusLine(view) })));
  else info(views.length === 0 ? 'no bottles' : table(views));
  // On stderr: stdout stays the table, or one JSON array of this instance's bottles.
  // An engine that is down lists nothing of its own: saying so keeps "no bottles" from reading as the truth.
  for (const engine of unreachableEngines)
    info(`claude-bottle: engine ${escapeLine(engine)} is not reachable; its bottles are listed from the state folder only`, true);
  const note = otherInstancesNote(otherInstances);
  if (note !== null) info(note, true);
  return 0;
};
