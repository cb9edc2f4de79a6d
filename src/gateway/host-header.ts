/**
 * A request whose Host header names another host than its target is refused: the policy decided on
 * the target, and a server behind an allowed address must not be asked for a different virtual
 * host (or a second Host header smuggled past the check). Both are read by the shared parser, so
 * `Example.COM.` and `example.com` are one host, as they are to the policy.
 */
import type http from 'node:http';
import { escapeLine } from '../shared/escape-text';
import { parseTargetHost, targetText, type HostTarget } from '../shared/network-policy';

/** Null when the Host header agrees with the target (or is absent); otherwise the one-line reason. */
export function hostHeaderMismatch(request: http.IncomingMessage, target: HostTarget, targetPort: number, isHttp: boolean): string | null {
  let count = 0;
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]?.toLowerCase() === 'host') count++;
  }
  if (count > 1) return 'the request has more than one Host header';
  const header = request.headers.host;
  if (header === undefined) return null;
  // The header's bytes are the bottle's (Node reads them as latin1, C1 controls and all), and this
  // reason lands in the connection log, which an operator may read in a terminal: shown escaped.
  const shown = `the Host header "${escapeLine(header.slice(0, 100))}"`;
  // host[:port], IPv6 in brackets; a CONNECT's Host may leave the port out, a plain request's means 80.
  const split = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(header);
  const host = split === null ? null : parseTargetHost(split[1] ?? '');
  if (split === null || host === null || !host.ok) return `${shown} is not a host`;
  const written = split[2];
  const port = written !== undefined ? Number(written) : isHttp ? 80 : targetPort;
  if (targetText(host.value, port) !== targetText(target, targetPort))
    return `${shown} differs from the target ${targetText(target, targetPort)}`;
  return null;
}
