import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseCredentialHost } from '../../shared/credential-host';
import { BottleError } from '../base/bottle-error';
import { readRegularFile } from '../fs/read-regular-file';
import { settingsPath } from './state-paths';

/*
 * settings.json `credentialUpstreams` (issue 20): where requests signed for a host:port are sent
 * instead of that host's DNS answer, and which CA that upstream's certificate is checked against.
 * The gateway and the core's home refresh both use it; tests point it at a fake API.
 *
 *   "credentialUpstreams": {"api.anthropic.com:443": {"address": "11.213.9.1:8443", "caFile": "/abs/ca.pem"}}
 *
 * `caFile` may be left out: then the upstream is checked against the usual root CAs.
 */

const MAX_UPSTREAMS = 32;
const MAX_CA_BYTES = 256 * 1024;

const upstreamSchema = z
  .object({
    address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}:\d{1,5}$/, 'must be IPV4:PORT, such as 11.213.9.1:8443'),
    caFile: z
      .string()
      .refine((path) => isAbsolute(path), 'must be an absolute path')
      .optional(),
  })
  .strict();

export const credentialUpstreamsSchema = z.record(z.string(), upstreamSchema).superRefine((entries, context) => {
  const keys = Object.keys(entries);
  if (keys.length > MAX_UPSTREAMS) context.addIssue({ code: 'custom', message: `must name at most ${MAX_UPSTREAMS} hosts` });
  for (const key of keys) {
    const parsed = parseCredentialHost(key);
    if (!parsed.ok) context.addIssue({ code: 'custom', path: [key], message: parsed.error });
  }
});

export type CredentialUpstreamSettings = z.output<typeof credentialUpstreamsSchema>;

/** One upstream as the gateway's table carries it. */
export interface CredentialUpstream {
  host: string;
  port: number;
  address: string;
  addressPort: number;
  ca: string | null;
}

/** The upstreams with each CA file read; a file that cannot be read is a one-line error naming the key. */
export async function readCredentialUpstreams(settings: CredentialUpstreamSettings): Promise<CredentialUpstream[]> {
  const upstreams: CredentialUpstream[] = [];
  for (const [key, entry] of Object.entries(settings)) {
    const target = parseCredentialHost(key);
    if (!target.ok) throw new BottleError('invalid-argument', `${settingsPath()}: credentialUpstreams.${key}: ${target.error}`);
    const [address = '', port = ''] = entry.address.split(':');
    let ca: string | null = null;
    if (entry.caFile !== undefined) {
      try {
        ca = await readRegularFile(entry.caFile, MAX_CA_BYTES);
      } catch (error: unknown) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new BottleError(
          'invalid-argument',
          `${settingsPath()}: credentialUpstreams.${key}.caFile: cannot read ${entry.caFile} (${reason})`,
        );
      }
      if (!ca.includes('-----BEGIN CERTIFICATE-----'))
        throw new BottleError(
          'invalid-argument',
          `${settingsPath()}: credentialUpstreams.${key}.caFile: ${entry.caFile} holds no PEM certificate`,
        );
    }
    upstreams.push({ host: target.value.host, port: target.value.port, address, addressPort: Number(port), ca });
  }
  return upstreams;
}
