import { MAX_REPORT_MESSAGE_CHARS } from '../../shared/agent-reports';
import { agentLastMessage, agentStatusLine, permissionAsk } from '../../shared/agent-status-line';
import { displayStatus } from '../../shared/allowed-actions';
import type { BottleDetail } from '../../shared/bottle-view';
import { escapeLine } from '../../shared/escape-text';
import { formatBytes } from '../../shared/format-bytes';
import { earlyExitTiming } from '../../shared/early-exit-text';
import { heldRequestLines } from '../network-output';
import { launchModeRefusal } from '../../shared/launch-modes';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { requestText } from '../review-output';

const USAGE = 'claude-bottle show <identity> [--json]';

/** Where every value starts: past the longest label ("own Dockerfile:") and a space. */
const VALUE_COLUMN = 17;
const INDENT = ''.padEnd(VALUE_COLUMN);

function field(label: string, value: string | number | boolean | null): string {
  return `${`${label}:`.padEnd(VALUE_COLUMN)}${value === null || value === '' ? '-' : escapeLine(String(value))}`;
}

function describe(detail: BottleDetail): string {
  // What the engine allows is the start panel's and the core's rule: a remote one takes copies only.
  const mountAllowed = launchModeRefusal({ name: detail.engine, ...detail.engineEndpoint }, 'mount') === null;
  const engine = `${detail.engine} (${detail.engineEndpoint.host}${mountAllowed ? '' : ', remote: copy mode only'})`;
  const lines = [
    field('identity', detail.identity),
    field('name', detail.name),
    field('task', detail.task),
    field('status', displayStatus(detail)),
    ...(detail.forkedFrom === null ? [] : [field('family', `forked from ${detail.forkedFrom.parent} at ${detail.forkedFrom.checkpoint}`)]),
    field('agent', detail.agentName),
    field('project', detail.cwd),
    field('mode', detail.copyCwd === null ? null : detail.copyCwd ? 'copy' : 'mount'),
    field('autonomous', detail.autonomous ? 'yes (runs without asking before each command)' : 'no'),
    field('started', detail.startedAt),
    field('engine', engine),
    field('container', detail.containerId?.slice(0, 12) ?? null),
    field('image', detail.image),
    field('own Dockerfile', detail.hasDockerfile ? 'yes (an approved capability-block)' : 'no'),
    field('state size', detail.stateBytes === null ? null : formatBytes(detail.stateBytes)),
    field(
      'checkpoints',
      detail.checkpoints.count === 0
        ? 'none'
        : `${detail.checkpoints.count} (${formatBytes(detail.checkpoints.bytes)}; claude-bottle checkpoints ${detail.identity})`,
    ),
    field('history', `${detail.historyCount} decision${detail.historyCount === 1 ? '' : 's'}`),
    field(
      'actions',
      detail.actions.map((state) => (state.enabled ? state.action : `${state.action} (${state.reason ?? 'not now'})`)).join(', '),
    ),
  ];
  if (detail.corruptReason !== null) lines.push(field('corrupt', detail.corruptReason));
  if (detail.stopReason !== null) lines.push(field('stopped for', detail.stopReason));
  if (detail.activity?.error != null) lines.push(field('last error', detail.activity.error));
  if (detail.earlyExit !== null) {
    const { earlyExit } = detail;
    lines.push(field('exited early', `${earlyExit.reason} (${earlyExitTiming(earlyExit)})`));
    for (const line of earlyExit.lines) lines.push(`${INDENT}| ${line}`);
  }
  for (const warning of detail.warnings) lines.push(field('bad request', `${warning.file}: ${warning.message}`));
  lines.push(...agentLines(detail));
  if (detail.networkMode !== null) lines.push(field('network', detail.networkMode));
  for (const held of detail.networkPending) lines.push(field('held request', heldRequestLines(detail.identity, held).join(`\n${INDENT}`)));
  for (const request of detail.pendingRequests) {
    // A blank line before and after the diff, and each command on its own line, in the fields' column.
    lines.push('', requestText(request), '');
    lines.push(field('approve', `claude-bottle approve ${detail.identity} --request ${request.id}`));
    lines.push(field('reject', `claude-bottle reject ${detail.identity} --request ${request.id}`));
  }
  return lines.join('\n');
}

/** What the agent reported (issue 21) and each permission question it waits on, with how to answer it. */
function agentLines(detail: BottleDetail): string[] {
  const lines: string[] = [];
  const status = agentStatusLine(detail);
  if (status !== null) lines.push(field('agent status', `${status} (since ${detail.agentStatus?.since ?? '?'})`));
  const last = agentLastMessage(detail, MAX_REPORT_MESSAGE_CHARS);
  if (last !== null) lines.push(field('last message', last));
  for (const question of detail.permissionPending) {
    lines.push(field('permission', `${question.id}: ${permissionAsk(question)}`));
    if (question.reason !== null) lines.push(`${INDENT}reason: ${escapeLine(question.reason)}`);
    if (question.input !== null) lines.push(`${INDENT}input: ${escapeLine(question.input)}`);
    lines.push(`${INDENT}answer: claude-bottle answer ${detail.identity} ${question.id} allow|always|deny [--message TEXT]`);
  }
  return lines;
}

/** One bottle in full, its inbox settled first: status, engine, every pending request with its diff. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner, values.json === true);
  const detail = await core.bottles.show(await bottleArg(core, positionals[0]));
  if (values.json === true) printJson({ ...detail, displayStatus: displayStatus(detail) });
  else info(describe(detail));
  return 0;
};
