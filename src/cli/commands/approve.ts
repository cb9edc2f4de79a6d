import { parseIdentity } from '../../shared/identity';
import { approveRequest } from '../../core/rebuild/approval';
import { pickPendingRequest } from '../../core/rebuild/pick-request';
import { recoverInterruptedApprovals } from '../../core/rebuild/recovery';
import { createCliContext } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle approve <identity> [--request ID] [--resume]';

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { request: { type: 'string' }, resume: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const ctx = createCliContext(false);
  // An approval a killed process left half done is settled before a new one starts.
  for (const failure of await recoverInterruptedApprovals(ctx)) {
    info(`warning: could not recover the interrupted approval of ${failure.identity}: ${failure.message}`);
  }
  const requestId = await pickPendingRequest(identity, typeof values.request === 'string' ? values.request : undefined);
  const resume = values.resume === true;
  const { imageId } = await approveRequest(ctx, identity, { requestId, resume });
  info(`approved ${requestId} for ${identity} (image ${imageId.replace(/^sha256:/, '').slice(0, 12)})`);
  if (resume) info(`resumed ${identity}; attach with: claude-bottle attach ${identity}`);
  else info(`bottle ${identity} is ready to resume: claude-bottle resume ${identity}`);
  return 0;
};
