import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { inspect } from 'node:util';

/**
 * The https agent of a TLS engine: one secure context and kept-alive connections for every request
 * (issue 23), so that a request does not parse the CA, certificate and key again nor shake hands
 * anew (a TLS handshake with a client certificate costs both ends a private-key operation).
 *
 * The engine answers a HEAD (the archive's stat, what every remote inbox pass asks first) with
 * neither a length nor a chunked body, which Node takes for "read to the end of the connection"
 * before it knows the request was a HEAD, and so closes the connection after it: every stat cost
 * the next request a new connection and handshake. A HEAD's answer has no body by definition, so a
 * connection whose HTTP/1.1 answer did not ask to be closed stays in the pool.
 */
export class KeptAliveHttpsAgent extends HttpsAgent {
  constructor(options: AgentOptions) {
    super({ ...options, keepAlive: true });
  }

  addRequest(request: ClientRequest, options: unknown): void {
    if (request.method === 'HEAD') {
      // Before any other listener: Node decides to keep the connection or not once the response ends.
      request.prependListener('response', (response: IncomingMessage) => {
        const connection = response.headers.connection ?? '';
        if (response.httpVersion === '1.1' && !/\bclose\b/i.test(connection)) request.shouldKeepAlive = true;
      });
    }
    // addRequest is Node's own (not in the typings): the agent hands the request a pooled connection.
    (HttpsAgent.prototype as unknown as { addRequest(request: ClientRequest, options: unknown): void }).addRequest.call(
      this,
      request,
      options,
    );
  }

  // docker-modem inspects every request's options in full (showHidden, no depth limit) for a debug
  // line nobody reads: an agent holding live sockets made that seconds of CPU per listing.
  [inspect.custom](): string {
    return 'HttpsAgent';
  }
}
