import { parseIdentity } from '../../shared/identity';
import { resumeBottle } from '../../main/core/bottle-lifecycle';
import { bottleView } from '../../main/core/bottle-list';
import { settleInterruptedApproval } from '../../main/core/rebuild';
import { createCliContext } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { attachTerminal } from '../terminal-attach';

const USAGE = 'claude-bottle resume <identity> [--detach] [--json]';

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { detach: { type: 'boolean' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const identity = parseIdentity(positionals[0]);
  const json = values.json === true;
  if (json && values.detach !== true) throw new UsageError('--json needs --detach: an attached session prints to this terminal');
  const ctx = createCliContext(json);
  // Settle an approval a killed process left half done before replacing the container.
  await settleInterruptedApproval(ctx, identity);
  await resumeBottle(ctx, identity);
  if (json) {
    printJson((await bottleView(ctx, identity)) ?? { identity });
    return 0;
  }
  info(`resumed ${identity}`);
  if (values.detach === true) return 0;
  await attachTerminal(ctx, identity);
  info(`\nbottle ${identity} session ended; continue it with: claude-bottle resume ${identity}`);
  return 0;
};
