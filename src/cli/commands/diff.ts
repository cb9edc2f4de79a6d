import { parseIdentity } from '../../shared/identity';
import { createCliCore } from '../cli-context';
import { formatChangeSet, formatStat } from '../changes-output';
import { parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle diff <identity> [--stat] [--json] [--file PATH]';

/** What the agent changed since its bottle started: every file, with its diff (or --stat). */
export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { stat: { type: 'boolean' }, json: { type: 'boolean' }, file: { type: 'string' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const core = createCliCore(values.json === true);
  if (typeof values.file === 'string') {
    const detail = await core.changes.file(identity, values.file, 'diff');
    if (values.json === true) printJson(detail);
    else process.stdout.write(detail.text ?? `${detail.path}: ${detail.note ?? 'no text to show'}\n`);
    return 0;
  }
  const set = await core.changes.diff(identity);
  if (values.json === true) printJson(set);
  else process.stdout.write(`${values.stat === true ? formatStat(set) : formatChangeSet(set)}\n`);
  return 0;
};
