import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { throwawayTls } from '../../test/helpers/throwaway-ca';

/**
 * Claude's sign-in service as a spec needs it (issue 20): an HTTPS server on loopback for
 * platform.claude.com (a throwaway CA) that refuses every refresh token as revoked. Returns the
 * settings.json `credentialUpstreams` entry that sends the core's refresh there.
 */
export async function startRevokingTokenService(folder: string): Promise<{ server: Server; upstream: Record<string, unknown> }> {
  const { caPem, certPem, keyPem } = throwawayTls('platform.claude.com');
  const caFile = join(folder, 'token-service-ca.pem');
  await writeFile(caFile, caPem);
  const server = createServer({ cert: certPem, key: keyPem }, (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Refresh token has been revoked' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, upstream: { 'platform.claude.com:443': { address: `127.0.0.1:${port}`, caFile } } };
}
