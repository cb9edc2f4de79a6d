import { bottleArg, createCliCore } from '../cli-context';
import { checkpointLine, takenText } from '../checkpoint-output';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle checkpoint <identity> [--name TEXT] [--drop CHECKPOINT] [--json]';

/** Takes a checkpoint of the bottle (a running one is paused only for the copy), or drops one. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { name: { type: 'string' }, drop: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const name = typeof values.name === 'string' ? values.name : undefined;
  const drop = typeof values.drop === 'string' ? values.drop : undefined;
  if (name !== undefined && drop !== undefined) throw new UsageError(`give --name or --drop, not both (usage: ${USAGE})`);
  const json = values.json === true;
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  if (drop !== undefined) {
    const dropped = await core.checkpoints.drop(identity, drop);
    if (json) printJson(dropped);
    else info(`dropped checkpoint ${checkpointLine(dropped)} of ${identity}`);
    return 0;
  }
  const taken = await core.checkpoints.create(identity, { name });
  if (json) printJson(taken);
  else info(takenText(taken));
  return 0;
};
