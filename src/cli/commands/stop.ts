import { resumeLine } from '../../shared/resume-line';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle stop <identity>';

export const run: CliCommand = async (argv, owner) => {
  const { positionals } = parseCommandArgs(argv, {}, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, positionals[0]);
  await core.bottles.stop(identity);
  info(`stopped ${identity} (transcript saved); continue it with: ${resumeLine(identity)}`);
  return 0;
};
