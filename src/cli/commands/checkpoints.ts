import { bottleArg, createCliCore } from '../cli-context';
import { listText } from '../checkpoint-output';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle checkpoints <identity> [--json]';

/** The bottle's checkpoints, oldest first: id, time, size, git HEAD, name; and their total against the budget. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const json = values.json === true;
  const core = createCliCore(owner, json);
  const list = await core.checkpoints.list(await bottleArg(core, positionals[0]));
  if (json) printJson(list);
  else info(listText(list));
  return 0;
};
