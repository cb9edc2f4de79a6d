/**
 * A request whose Host header names another host than its target is refused: the policy decided on
 * the target, and a server behind an allowed address must not be asked for a different virtual
 * host (or a second Host header smuggled past the check).
 */
import type http from 'node:http';
import { canonicalHost } from './address-check';

/** Null when the Host header agrees with the target (or is absent); otherwise the one-line reason. */
export function hostHeaderMismatch(request: http.IncomingMessage, targetHost: string, targetPort: number, isHttp: boolean): string | null {
  let count = 0;
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]?.toLowerCase() === 'host') count++;
  }
  if (count > 1) return 'the request has more than one Host header';
  const header = request.headers.host;
  if (header === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(`http://${header}/`);
  } catch (error: unknown) {
    void error; // the header is no host[:port]: refused below with the header quoted.
    return `the Host header "${header.slice(0, 100)}" is not a host`;
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.pathname !== '/')
    return `the Host header "${header.slice(0, 100)}" is not a host`;
  const host = canonicalHost(parsed.hostname);
  // Read the port as written (URL drops http's default 80); a CONNECT's Host may leave it out altogether.
  const written = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(header)?.[1];
  const port = written !== undefined ? Number(written) : isHttp ? 80 : null;
  if (host !== targetHost || (port !== null && port !== targetPort)) {
    return `the Host header "${header.slice(0, 100)}" differs from the target ${targetHost}:${targetPort}`;
  }
  return null;
}
