import { resolve } from 'node:path';
import { isContextName } from '../../shared/rules';
import { createCliCore } from '../cli-context';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli-io';
import { finishLaunch } from '../launch-output';

const USAGE = 'claude-bottle start <agent|project:agent> [--cwd DIR] [--copy] [--autonomous] [--context NAME] [--detach] [--json]';

export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      cwd: { type: 'string' },
      copy: { type: 'boolean' },
      autonomous: { type: 'boolean' },
      context: { type: 'string' },
      detach: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const [agent, ...extra] = positionals;
  if (agent === undefined || extra.length > 0) throw new UsageError(`expected one agent name (usage: ${USAGE})`);
  const json = values.json === true;
  if (json && values.detach !== true) throw new UsageError('--json needs --detach: an attached session prints to this terminal');
  const core = createCliCore(owner, json);
  const cwd = resolve(typeof values.cwd === 'string' ? values.cwd : process.cwd());
  const context = typeof values.context === 'string' ? values.context : undefined;
  if (context !== undefined && !isContextName(context))
    throw new UsageError(`invalid Docker context name ${JSON.stringify(context.slice(0, 80))}`);
  const { identity } = await core.bottles.start({
    agent,
    cwd,
    copy: values.copy === true,
    autonomous: values.autonomous === true,
    ...(context === undefined ? {} : { context }),
  });
  return finishLaunch(core, identity, {
    json,
    detach: values.detach === true,
    done: `started ${identity}`,
    detached: `attach with: claude-bottle attach ${identity}`,
  });
};
