import { escapeLine } from '../../shared/escape-text';
import type { ForkRequest, ForkResult } from '../../shared/forks';
import { checkpointLine } from '../checkpoint-output';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { finishLaunch, refreshLoginsBeforeLaunch } from '../launch-output';

const USAGE = 'claude-bottle fork <identity> [--from CHECKPOINT] [--count N] [--name NAME] [--prompt TEXT] [--detach] [--json]';

/** `fork`'s arguments; the core checks the values themselves (count, name, prompt) as it does for every front end. */
export function parseForkArgs(argv: string[]): { ref: string; request: ForkRequest; json: boolean; detach: boolean } {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      from: { type: 'string' },
      count: { type: 'string' },
      name: { type: 'string' },
      prompt: { type: 'string' },
      detach: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const [ref, ...extra] = positionals;
  if (ref === undefined || extra.length > 0) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const countText = typeof values.count === 'string' ? values.count : undefined;
  if (countText !== undefined && !/^\d{1,3}$/.test(countText))
    throw new UsageError(`--count ${JSON.stringify(escapeLine(countText.slice(0, 40)))}: expected a whole number from 1 to 8`);
  const json = values.json === true;
  if (json && values.detach !== true) throw new UsageError('--json needs --detach: an attached session prints to this terminal');
  const request: ForkRequest = {
    ...(typeof values.from === 'string' ? { from: values.from } : {}),
    ...(countText === undefined ? {} : { count: Number(countText) }),
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    ...(typeof values.prompt === 'string' ? { prompt: values.prompt } : {}),
  };
  return { ref, request, json, detach: values.detach === true };
}

/** One line a fork: its identity and name. */
export function forkedText(result: ForkResult): string {
  const lines = result.forks.map((fork) => `forked ${fork.identity}${fork.name === null ? '' : ` (${escapeLine(fork.name)})`}`);
  return [`from checkpoint ${checkpointLine(result.checkpoint)} of ${result.parent}:`, ...lines].join('\n');
}

/** Forks the bottle; one fork without --detach is attached to, as `start` does. */
export const run: CliCommand = async (argv, owner) => {
  const { ref, request, json, detach } = parseForkArgs(argv);
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, ref);
  await refreshLoginsBeforeLaunch(core, json);
  const result = await core.forks.fork(identity, request);
  if (json) {
    printJson(result);
    return 0;
  }
  const [only] = result.forks;
  if (result.forks.length === 1 && only !== undefined && !detach) {
    info(`from checkpoint ${checkpointLine(result.checkpoint)} of ${result.parent}:`);
    return finishLaunch(core, only.identity, { json: false, detach: false, done: `forked ${only.identity}` });
  }
  info(forkedText(result));
  for (const fork of result.forks) info(`attach with: claude-bottle attach ${fork.identity}`);
  return 0;
};
