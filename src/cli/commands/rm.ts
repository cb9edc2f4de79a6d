import { parseIdentity } from '../../shared/identity';
import { createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle rm <identity> [--keep-state]';

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { 'keep-state': { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const keepState = values['keep-state'] === true;
  await createCliCore().bottles.remove(identity, { keepState });
  info(keepState ? `removed the container of ${identity}; its state is kept` : `removed ${identity}`);
  return 0;
};
