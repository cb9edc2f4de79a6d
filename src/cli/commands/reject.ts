import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle reject <identity> [--request ID] [--message TEXT]';

export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { request: { type: 'string' }, message: { type: 'string' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, positionals[0]);
  const requestId = typeof values.request === 'string' ? values.request : undefined;
  const message = typeof values.message === 'string' ? values.message : '';
  const result = await core.bottles.reject(identity, { requestId, message });
  info(`rejected ${result.requestId} for ${identity}; the agent finds the answer in its inbox`);
  return 0;
};
