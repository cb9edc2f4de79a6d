import { bottleArg, createCliCore } from '../cli-context';
import { formatChangeSet, formatStat } from '../changes-output';
import { formatComparison, formatComparisonStat } from '../compare-output';
import { parseCommandArgs, printJson, UsageError, writeText, type CliCommand } from '../cli-io';

const USAGE =
  'claude-bottle diff <identity> [--since-apply] [--stat] [--json] [--file PATH] [--raw]  |  claude-bottle diff <identity> --against <other> [--stat] [--json] [--raw]';

/**
 * What the agent changed since its bottle started: every file, with its diff (or --stat); with
 * --since-apply only what is new since the last apply, diffed against what that apply wrote.
 * With --against, two copy-mode bottles of one project folder compared workspace to workspace.
 * Control and bidi characters of names and lines are shown escaped; --raw prints them as they are.
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      'since-apply': { type: 'boolean' },
      stat: { type: 'boolean' },
      json: { type: 'boolean' },
      file: { type: 'string' },
      raw: { type: 'boolean' },
      against: { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const raw = values.raw === true;
  if (raw && values.json === true) throw new UsageError(`--raw and --json do not go together: JSON is never raw (usage: ${USAGE})`);
  const core = createCliCore(owner, values.json === true);
  const identity = await bottleArg(core, positionals[0]);
  if (typeof values.against === 'string') {
    if (values['since-apply'] === true || typeof values.file === 'string')
      throw new UsageError(`--against compares two whole workspaces: it takes neither --since-apply nor --file (usage: ${USAGE})`);
    const result = await core.changes.compare(identity, await bottleArg(core, values.against));
    if (values.json === true) printJson(result);
    else
      writeText(
        `${values.stat === true ? formatComparisonStat(result, raw) : formatComparison(result, raw)}
`,
        { raw },
      );
    return 0;
  }
  const since = values['since-apply'] === true ? 'apply' : 'start';
  if (typeof values.file === 'string') {
    const detail = await core.changes.file(identity, values.file, 'diff', since);
    if (values.json === true) printJson(detail);
    else writeText(detail.text ?? `${detail.path}: ${detail.note ?? 'no text to show'}\n`, { raw });
    return 0;
  }
  const set = await core.changes.diff(identity, since);
  if (values.json === true) printJson(set);
  else writeText(`${values.stat === true ? formatStat(set, raw) : formatChangeSet(set, raw)}\n`, { raw });
  return 0;
};
