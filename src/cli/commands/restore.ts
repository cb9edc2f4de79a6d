import { bottleArg, createCliCore } from '../cli-context';
import { restoredText } from '../checkpoint-output';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle restore <identity> CHECKPOINT [--yes] [--json]';

/**
 * Makes a stopped bottle go back to a checkpoint; what it replaces is kept as one. A mount-mode
 * bottle's restore writes the operator's project folder: only with --yes.
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, yes: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 2) throw new UsageError(`expected an identity and a checkpoint (usage: ${USAGE})`);
  const json = values.json === true;
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  const restored = await core.checkpoints.restore(identity, positionals[1] ?? '', { writeFolder: values.yes === true });
  if (json) printJson(restored);
  else info(restoredText(restored));
  return 0;
};
