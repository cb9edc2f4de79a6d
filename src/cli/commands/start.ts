import { resolve } from 'node:path';
import { isNetworkMode, NETWORK_MODES } from '../../shared/network-policy';
import type { StartBottleRequest } from '../../shared/bottle-view';
import { isContextName } from '../../shared/rules';
import { createCliCore } from '../cli-context';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli-io';
import { finishLaunch, refreshLoginsBeforeLaunch } from '../launch-output';

const USAGE =
  'claude-bottle start <agent|project:agent> [--cwd DIR] [--copy] [--autonomous] [--net ask|locked|open] [--context NAME] [--name NAME] [--prompt TEXT] [--detach] [--json]';

export interface StartArgs {
  request: StartBottleRequest;
  json: boolean;
  detach: boolean;
}

/** `start`'s arguments as the request the core takes; a one-line UsageError for anything else. */
export function parseStartArgs(argv: string[], cwdNow: string): StartArgs {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      cwd: { type: 'string' },
      copy: { type: 'boolean' },
      autonomous: { type: 'boolean' },
      net: { type: 'string' },
      context: { type: 'string' },
      name: { type: 'string' },
      prompt: { type: 'string' },
      detach: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const [agent, ...extra] = positionals;
  if (agent === undefined || extra.length > 0) throw new UsageError(`expected one agent name (usage: ${USAGE})`);
  const json = values.json === true;
  if (json && values.detach !== true) throw new UsageError('--json needs --detach: an attached session prints to this terminal');
  const context = typeof values.context === 'string' ? values.context : undefined;
  if (context !== undefined && !isContextName(context))
    throw new UsageError(`invalid Docker context name ${JSON.stringify(context.slice(0, 80))}`);
  const net = typeof values.net === 'string' ? values.net : undefined;
  if (net !== undefined && !isNetworkMode(net))
    throw new UsageError(`--net ${JSON.stringify(net.slice(0, 80))}: expected one of ${NETWORK_MODES.join(', ')}`);
  const request: StartBottleRequest = {
    agent,
    cwd: resolve(typeof values.cwd === 'string' ? values.cwd : cwdNow),
    copy: values.copy === true,
    autonomous: values.autonomous === true,
    ...(context === undefined ? {} : { context }),
    ...(net === undefined ? {} : { net }),
    // Checked by the core (bottle-names.ts, agent-input.ts), where every front end's request is.
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    ...(typeof values.prompt === 'string' ? { prompt: values.prompt } : {}),
  };
  return { request, json, detach: values.detach === true };
}

export const run: CliCommand = async (argv, owner) => {
  const { request, json, detach } = parseStartArgs(argv, process.cwd());
  const core = createCliCore(owner, json);
  await refreshLoginsBeforeLaunch(core, json);
  const { identity } = await core.bottles.start(request);
  return finishLaunch(core, identity, {
    json,
    detach,
    done: `started ${identity}`,
    detached: `attach with: claude-bottle attach ${identity}`,
  });
};
