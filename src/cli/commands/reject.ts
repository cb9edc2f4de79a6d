import { parseIdentity } from '../../shared/identity';
import { createBottleContext } from '../../core/services/bottle-context';
import { rejectRequest } from '../../core/rebuild/approval';
import { pickPendingRequest } from '../../core/rebuild/pick-request';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle reject <identity> [--request ID] [--message TEXT]';

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { request: { type: 'string' }, message: { type: 'string' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const requestId = await pickPendingRequest(identity, typeof values.request === 'string' ? values.request : undefined);
  const message = typeof values.message === 'string' ? values.message : '';
  // Reject never talks to Docker; the context only satisfies the shared signature.
  await rejectRequest(createBottleContext(), identity, { requestId, message });
  info(`rejected ${requestId} for ${identity}; the agent finds the answer in its inbox`);
  return 0;
};
