import { resolve } from 'node:path';
import { startBottle } from '../../main/core/bottle-lifecycle';
import { bottleView } from '../../main/core/bottle-list';
import { createCliContext } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { attachTerminal } from '../terminal-attach';

const USAGE = 'claude-bottle start <agent> [--cwd DIR] [--copy] [--detach] [--json]';

export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { cwd: { type: 'string' }, copy: { type: 'boolean' }, detach: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  );
  const [agent, ...extra] = positionals;
  if (agent === undefined || extra.length > 0) throw new UsageError(`expected one agent name (usage: ${USAGE})`);
  const json = values.json === true;
  if (json && values.detach !== true) throw new UsageError('--json needs --detach: an attached session prints to this terminal');
  const ctx = createCliContext(json);
  const cwd = resolve(typeof values.cwd === 'string' ? values.cwd : process.cwd());
  const { identity } = await startBottle(ctx, { agent, cwd, copy: values.copy === true });
  if (json) {
    printJson((await bottleView(ctx, identity)) ?? { identity });
    return 0;
  }
  info(`started ${identity}`);
  if (values.detach === true) {
    info(`attach with: claude-bottle attach ${identity}`);
    return 0;
  }
  await attachTerminal(ctx, identity);
  info(`\nbottle ${identity} session ended; continue it with: claude-bottle resume ${identity}`);
  return 0;
};
