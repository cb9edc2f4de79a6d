import { displayStatus } from '../../shared/allowed-actions';
import type { BottleDetail } from '../../shared/bottle-view';
import { parseIdentity } from '../../shared/identity';
import { createCliCore } from '../cli-context';
import { parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle show <identity> [--json]';

function field(label: string, value: string | number | boolean | null): string {
  return `${`${label}:`.padEnd(14)}${value === null || value === '' ? '-' : String(value)}`;
}

function describe(detail: BottleDetail): string {
  const engine = `${detail.engine} (${detail.engineEndpoint.host}${detail.engineEndpoint.local ? '' : ', remote: copy mode only'})`;
  const lines = [
    field('identity', detail.identity),
    field('status', displayStatus(detail)),
    field('agent', detail.agentName),
    field('project', detail.cwd),
    field('mode', detail.copyCwd === null ? null : detail.copyCwd ? 'copy' : 'mount'),
    field('started', detail.startedAt),
    field('engine', engine),
    field('container', detail.containerId?.slice(0, 12) ?? null),
    field('image', detail.image),
    field('own Dockerfile', detail.hasDockerfile ? 'yes (an approved capability-block)' : 'no'),
    field('history', `${detail.historyCount} decision${detail.historyCount === 1 ? '' : 's'}`),
    field('actions', detail.actions.map((state) => (state.enabled ? state.action : `${state.action} (${state.reason ?? 'not now'})`)).join(', ')),
  ];
  if (detail.corruptReason !== null) lines.push(field('corrupt', detail.corruptReason));
  if (detail.activity?.error != null) lines.push(field('last error', detail.activity.error));
  for (const warning of detail.warnings) lines.push(field('bad request', `${warning.file}: ${warning.message}`));
  for (const request of detail.pendingRequests) {
    lines.push('', `pending request ${request.id} (${request.createdAt})`, `reason: ${request.reason}`);
    if (request.buildError !== null) lines.push(`last build failed:\n${request.buildError}`);
    lines.push(request.diff.trimEnd());
    lines.push(`approve: claude-bottle approve ${detail.identity} --request ${request.id}    reject: claude-bottle reject ${detail.identity} --request ${request.id}`);
  }
  return lines.join('\n');
}

/** One bottle in full, its inbox settled first: status, engine, every pending request with its diff. */
export const run: CliCommand = async (argv) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const detail = await createCliCore().bottles.show(parseIdentity(positionals[0]));
  if (values.json === true) printJson({ ...detail, displayStatus: displayStatus(detail) });
  else process.stdout.write(`${describe(detail)}\n`);
  return 0;
};
