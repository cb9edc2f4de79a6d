import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { MERGE_RESULT_MAX_CHARS, type MergeTake, type ResolveRequest } from '../../shared/changes';
import { BottleError } from '../../core/base/bottle-error';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, writeText, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle resolve <identity> <path> [--take host|agent|FILE] [--raw] [--json]';

/** The edited result from FILE: whole UTF-8 text, no longer than the merge view saves. */
async function resultFrom(file: string): Promise<string> {
  const data = await readFile(resolvePath(file)).catch((error: unknown) => {
    throw new BottleError('not-found', `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) throw new BottleError('invalid-argument', `${file} is not UTF-8 text`);
  if (text.length > MERGE_RESULT_MAX_CHARS)
    throw new BottleError('limit-exceeded', `${file} is longer than ${MERGE_RESULT_MAX_CHARS} characters: take one side instead`);
  return text;
}

/**
 * Copy mode: a file in conflict. Without --take, prints the line merge of the three versions (with
 * conflict markers) to edit; --take host keeps yours, --take agent takes the agent's whole, --take
 * FILE saves FILE's content as the result (a file named "host" or "agent" is ./host). Refused, with
 * nothing written, if the project file changes in between (as in the app's merge view).
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { take: { type: 'string' }, raw: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 2) throw new UsageError(`expected an identity and a path (usage: ${USAGE})`);
  const json = values.json === true;
  const raw = values.raw === true;
  if (raw && json) throw new UsageError(`--raw and --json do not go together: JSON is never raw (usage: ${USAGE})`);
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  const versions = await core.changes.mergeVersions(identity, positionals[1] ?? '');
  if (typeof values.take !== 'string') {
    if (json) printJson(versions);
    else if (versions.merged !== null) writeText(versions.merged, { raw });
    else info(`${versions.path}: ${versions.note ?? 'no line merge'} (--take host or --take agent)`);
    return 0;
  }
  if (versions.host.oid === null || versions.agent.oid === null)
    throw new BottleError('conflict', `${versions.path} changed while it was read: look again`);
  const take: MergeTake = values.take === 'host' || values.take === 'agent' ? values.take : 'result';
  const request: ResolveRequest = { path: versions.path, take, hostOid: versions.host.oid, agentOid: versions.agent.oid };
  if (take === 'result') request.text = await resultFrom(values.take);
  const result = await core.changes.resolve(identity, request);
  if (json) {
    printJson(result);
    return 0;
  }
  const what =
    take === 'host'
      ? 'your version stays'
      : take === 'agent'
        ? 'the agent’s version is in the project folder'
        : `${values.take} is in the project folder`;
  info(
    `resolved ${result.path}: ${what}${result.sidecarRemoved !== null ? `; removed ${result.sidecarRemoved}` : ''}${result.note !== null ? ` (${result.note})` : ''}`,
  );
  return 0;
};
