import { bottleArg, createCliCore } from '../cli-context';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli-io';
import { finishLaunch, refreshLoginsBeforeLaunch } from '../launch-output';

const USAGE = 'claude-bottle resume <identity> [--detach] [--json]';

export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { detach: { type: 'boolean' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const json = values.json === true;
  if (json && values.detach !== true) throw new UsageError('--json needs --detach: an attached session prints to this terminal');
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  await refreshLoginsBeforeLaunch(core, json);
  await core.bottles.resume(identity);
  return finishLaunch(core, identity, { json, detach: values.detach === true, done: `resumed ${identity}` });
};
