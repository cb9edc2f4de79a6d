import { parseIdentity } from '../../shared/identity';
import { createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';
import { attachTerminal } from '../terminal-attach';

const USAGE = 'claude-bottle attach <identity>';

export const run: CliCommand = async (argv) => {
  const { positionals } = parseCommandArgs(argv, {}, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const state = await attachTerminal(createCliCore(), identity);
  info(state === 'running' ? `\ndetached from ${identity}; it keeps running` : `\nbottle ${identity} session ended; continue it with: claude-bottle resume ${identity}`);
  return 0;
};
