import { resolve } from 'node:path';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle export <identity> (--branch NAME | --patch FILE) [--json]';

/** The agent's work as a new branch of the project's repository, or as a patch file. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { branch: { type: 'string' }, patch: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const branch = typeof values.branch === 'string' ? values.branch : undefined;
  const patch = typeof values.patch === 'string' ? values.patch : undefined;
  if ((branch === undefined) === (patch === undefined))
    throw new UsageError(`give exactly one of --branch NAME or --patch FILE (usage: ${USAGE})`);
  const json = values.json === true;
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  const result = await core.changes.export(identity, {
    branch,
    patchFile: patch === undefined ? undefined : resolve(patch),
  });
  if (json) {
    printJson(result);
    return 0;
  }
  const on = result.base === null ? '' : ` on top of ${result.base.slice(0, 12)}`;
  const what = `${result.commits} commit${result.commits === 1 ? '' : 's'}${on}${result.uncommitted ? ' (the last holds what the agent left uncommitted)' : ''}`;
  if (result.branch !== null)
    info(
      `created branch ${result.branch} at ${result.tip?.slice(0, 12) ?? '?'}: ${what}; your checkout, index and working tree are untouched`,
    );
  if (result.patchFile !== null) info(`wrote ${result.patchFile}: ${what}; apply it with: git apply ${result.patchFile}`);
  if (result.networkLog !== null)
    info(
      result.branch !== null
        ? `the bottle's connection log (JSON Lines) is a note on it: git notes --ref=${result.networkLog.replace(/^refs\/notes\//, '')} show ${result.branch}`
        : `wrote ${result.networkLog}: the bottle's connection log (JSON Lines)`,
    );
  for (const note of result.notes) info(`note: ${note}`);
  return 0;
};
