import { heldRequestLines } from '../network-output';
import { formatBytes } from '../../shared/format-bytes';
import { networkDestination } from '../../shared/network-log-filter';
import { MAX_NETWORK_LOG_LINES, type NetworkLogEntry } from '../../shared/network-view';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, printJsonLines, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle net <identity> [--log] [--limit N] [--json]';
const DEFAULT_LOG_LINES = 100;

/** One record a line, as the Network tab shows it: when, the decision and who made it, where, bytes each way, the reason. */
function logLine(entry: NetworkLogEntry): string {
  if (entry.event === 'lost') return `${entry.time}  ${'lost'.padEnd(20)} ${entry.reason ?? ''}`;
  const bytes = entry.event === 'end' ? `  ↑ ${formatBytes(entry.bytesUp)}  ↓ ${formatBytes(entry.bytesDown)}` : '';
  const why = entry.reason === null ? '' : `  (${entry.reason})`;
  const decided = `${entry.decision === 'deny' ? 'refused' : 'allowed'} by ${entry.by}`;
  const protocol = entry.signed === true ? 'signed' : entry.protocol;
  return `${entry.time}  ${decided.padEnd(20)} ${protocol.padEnd(7)} ${networkDestination(entry)}${bytes}${why}`;
}

/** A bottle's held network requests (what waits for the operator), or with --log its connection log (--json: one record a line). */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { log: { type: 'boolean' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const json = values.json === true;
  const limit = values.limit === undefined ? DEFAULT_LOG_LINES : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NETWORK_LOG_LINES)
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_NETWORK_LOG_LINES}`);
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  if (values.log === true) {
    const entries = await core.network.log(identity, limit);
    // JSON Lines, as the log file itself: `--json | jq` and a script reading the file see the same records.
    if (json) printJsonLines(entries);
    else info(entries.length === 0 ? `no connections on record for ${identity}` : entries.map(logLine).join('\n'));
    return 0;
  }
  const held = await core.network.pending(identity);
  if (json) printJson(held);
  else
    info(
      held.length === 0
        ? `${identity} has no held network requests`
        : held.map((request) => `${request.id.padEnd(8)} ${heldRequestLines(identity, request).join(`\n${''.padEnd(9)}`)}`).join('\n'),
    );
  return 0;
};
