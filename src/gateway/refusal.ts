/**
 * The answer a refused connection gets: a 403 (or 429 for a limit) whose body names the host and
 * how the operator can allow it, so an agent reads why instead of retrying blindly. HTTPS clients
 * usually show only the status of a refused CONNECT; the same line is in the gateway's log.
 */
import http from 'node:http';
import { RequestError } from 'proxy-chain';
import { allowCommand, parseTargetHost, targetText, type NetworkTarget } from '../shared/network-policy';

export const REFUSAL_HEADER = 'X-Claude-Bottle';

/** The destination as the body names it: canonical when it parses, else as sent (quoted, cut short). */
function shownTarget(target: NetworkTarget): string {
  const parsed = parseTargetHost(target.host);
  return parsed.ok ? targetText(parsed.value, target.port) : `${JSON.stringify(target.host.slice(0, 100))}:${target.port}`;
}

/**
 * The body: what was refused and why, and, when a rule could allow it, the command that adds one
 * (`allowAs` is what the rule must name: the target, or the exact address it resolved to; null when
 * no rule can help). The command is the shared module's, as every front end names it.
 */
export function refusalBody(
  identity: string | null,
  target: NetworkTarget,
  reason: string,
  allowAs: NetworkTarget | null = target,
): string {
  const command = identity === null || allowAs === null ? null : allowCommand(identity, allowAs);
  const how = command === null ? '' : ` The operator can allow it with: ${command}`;
  return `claude-bottle gateway: ${shownTarget(target)} is not allowed for this bottle (${reason}).${how}\n`;
}

export function refusalError(status: 400 | 403 | 429, body: string): RequestError {
  return new RequestError(body, status, { [REFUSAL_HEADER]: 'denied' });
}

/** A reusable agent that never keeps a socket for later: a pooled socket must not outlive the check that opened it. */
export const noPoolAgent = new http.Agent({ keepAlive: false });
