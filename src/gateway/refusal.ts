/**
 * The answer a refused connection gets: a 403 (or 429 for a limit) whose body names the host and
 * how the operator can allow it, so an agent reads why instead of retrying blindly. HTTPS clients
 * usually show only the status of a refused CONNECT; the same line is in the gateway's log.
 */
import http from 'node:http';
import { RequestError } from 'proxy-chain';

export const REFUSAL_HEADER = 'X-Claude-Bottle';

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The body: what was refused and why, and, when a rule could allow it, the command that adds one
 * (`allowAs` is the host the rule must name: the target, or the exact address it resolved to).
 */
export function refusalBody(identity: string | null, host: string, port: number, reason: string, allowAs: string | null = host): string {
  const how =
    identity === null || allowAs === null
      ? ''
      : ` The operator can allow it with: claude-bottle allow ${identity} ${hostPort(allowAs, port)}`;
  return `claude-bottle gateway: ${hostPort(host, port)} is not allowed for this bottle (${reason}).${how}\n`;
}

export function refusalError(status: 400 | 403 | 429, body: string): RequestError {
  return new RequestError(body, status, { [REFUSAL_HEADER]: 'denied' });
}

/** A reusable agent that never keeps a socket for later: a pooled socket must not outlive the check that opened it. */
export const noPoolAgent = new http.Agent({ keepAlive: false });
