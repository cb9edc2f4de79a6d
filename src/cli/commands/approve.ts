import { parseIdentity } from '../../shared/identity';
import { createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle approve <identity> [--request ID] [--resume]';

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { request: { type: 'string' }, resume: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const resume = values.resume === true;
  const requestId = typeof values.request === 'string' ? values.request : undefined;
  const result = await createCliCore().bottles.approve(identity, { requestId, resume });
  info(`approved ${result.requestId} for ${identity} (image ${result.imageId.replace(/^sha256:/, '').slice(0, 12)})`);
  if (resume) info(`resumed ${identity}; attach with: claude-bottle attach ${identity}`);
  else info(`bottle ${identity} is ready to resume: claude-bottle resume ${identity}`);
  return 0;
};
