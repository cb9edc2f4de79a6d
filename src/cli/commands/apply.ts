import { bottleArg, createCliCore } from '../cli-context';
import { formatApply } from '../changes-output';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle apply <identity> [<path>...] [--dry-run] [--no-sidecars] [--json]';

/** Copy mode: brings the agent's changes (or only those at the paths given) into the project folder, never over the operator's. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { 'dry-run': { type: 'boolean' }, 'no-sidecars': { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length < 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const paths = positionals.slice(1);
  const core = createCliCore(owner, values.json === true);
  const identity = await bottleArg(core, positionals[0]);
  const result = await core.changes.apply(identity, {
    dryRun: values['dry-run'] === true,
    sidecars: values['no-sidecars'] !== true,
    ...(paths.length > 0 ? { paths } : {}),
  });
  if (values.json === true) printJson(result);
  else info(formatApply(result));
  return 0;
};
