import { allowCommand, parseTargetHost, targetText, type NetworkRequest } from '../shared/network-policy';

/** A held network request as `show` and `net` print it: where it wants to go, then the commands that answer it. */
export function heldRequestLines(identity: string, held: NetworkRequest): string[] {
  const target = parseTargetHost(held.host);
  // The host is the gateway's word (a bottle's request): shown as text, escaped by the writer, never trusted as a pattern.
  const shown = target.ok ? targetText(target.value, held.port) : `${held.host}:${held.port}`;
  const allow = allowCommand(identity, { host: held.host, port: held.port });
  const answers = allow === null ? [] : [`allow: ${allow} [--once|--agent]    deny: claude-bottle deny ${identity} ${shown} --once`];
  return [`${shown} (${held.protocol}, held since ${held.at})`, ...answers];
}
