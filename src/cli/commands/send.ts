import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle send <id> TEXT';

/**
 * Types TEXT into the bottle's agent terminal and presses Enter, as if typed there. Words after
 * the bottle are joined with spaces (`send dev run the tests`); `--` before a text that starts
 * with "-". The core checks the text (bottle-service send).
 */
export const run: CliCommand = async (argv, owner) => {
  const { positionals } = parseCommandArgs(argv, {}, USAGE);
  const [ref, ...words] = positionals;
  if (ref === undefined || words.length === 0) throw new UsageError(`expected a bottle and the text to send (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, ref);
  await core.bottles.send(identity, words.join(' '));
  info(`sent to ${identity}`);
  return 0;
};
