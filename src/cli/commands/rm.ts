import { bottleArg, createCliCore } from '../cli-context';
import { perBottleImageTag } from '../../core/state/state-paths';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle rm <identity> [--keep-state] [--force]';

export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { 'keep-state': { type: 'boolean' }, force: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, positionals[0]);
  const keepState = values['keep-state'] === true;
  // Without --force the core refuses a copy-mode bottle whose work is not yet applied, naming it.
  const { image } = await core.bottles.remove(identity, { keepState, force: values.force === true });
  if (keepState) info(`removed the container of ${identity}; its state is kept`);
  else if (image === 'in-use') info(`removed ${identity}; its image ${perBottleImageTag(identity)} is kept: a container still uses it`);
  else info(`removed ${identity}`);
  return 0;
};
