import { sessionEndedLine } from '../../shared/resume-line';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';
import { attachTerminal } from '../terminal-attach';

const USAGE = 'claude-bottle attach <identity>';

export const run: CliCommand = async (argv, owner) => {
  const { positionals } = parseCommandArgs(argv, {}, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, positionals[0]);
  const state = await attachTerminal(core, identity);
  info(state === 'running' ? `\ndetached from ${identity}; it keeps running` : `\n${sessionEndedLine(identity)}`);
  return 0;
};
