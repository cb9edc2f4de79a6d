import { isAbsolute } from 'node:path';
import { BottleError } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { isMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { settingsPath } from '../state/state-paths';

/*
 * settings.json `credentialUpstreams` (issue 20), read for the home refresh only:
 *   "credentialUpstreams": {"platform.claude.com:443": {"address": "11.213.9.1:8443", "caFile": "/abs/ca.pem"}}
 * sends what the core would send to that host:port to `address` instead of its DNS answer, with
 * the host as SNI, trusting `caFile` (tests point it at a fake token endpoint). The launch part's
 * src/core/state/settings-credentials.ts parses the same key for the gateway; this reader stands
 * in until both are merged, then delegates to it.
 */

const MAX_SETTINGS_BYTES = 64 * 1024;
const MAX_CA_BYTES = 256 * 1024;

export interface CredentialUpstream {
  /** Address (IP or name) and port to connect to instead of the host's own. */
  address: string;
  port: number;
  /** PEM of the CA to trust for it; null: Node's root CAs. */
  ca: string | null;
}

function fail(key: string, message: string): never {
  throw new BottleError('invalid-argument', `${settingsPath()}: credentialUpstreams ${JSON.stringify(key.slice(0, 80))}: ${message}`);
}

/** `host:port` (an IPv6 address in brackets) as its two parts; null when it is not one. */
function splitAddress(text: string): { address: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/.exec(text);
  if (match === null) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { address: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** Where requests for `hostPort` (e.g. "platform.claude.com:443") go; null: its own address. */
export async function credentialUpstreamFor(hostPort: string): Promise<CredentialUpstream | null> {
  let text: string;
  try {
    text = await readRegularFile(settingsPath(), MAX_SETTINGS_BYTES);
  } catch (error: unknown) {
    if (isMissing(error)) return null;
    throw error;
  }
  const settings = parseJson(text) as { credentialUpstreams?: unknown } | null | undefined;
  const table = settings?.credentialUpstreams;
  if (table === undefined) return null;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) fail('', 'must be an object of "host:port" keys');
  const entry: unknown = Object.hasOwn(table, hostPort) ? (table as Record<string, unknown>)[hostPort] : undefined;
  if (entry === undefined) return null;
  if (typeof entry !== 'object' || entry === null) fail(hostPort, 'must be {"address": "ip:port", "caFile": "/abs/ca.pem"}');
  const { address, caFile } = entry as { address?: unknown; caFile?: unknown };
  const target = typeof address === 'string' ? splitAddress(address) : null;
  if (target === null) fail(hostPort, '"address" must be "ip:port"');
  if (caFile === undefined || caFile === null) return { ...target, ca: null };
  if (typeof caFile !== 'string' || !isAbsolute(caFile)) fail(hostPort, '"caFile" must be an absolute path');
  try {
    return { ...target, ca: await readRegularFile(caFile, MAX_CA_BYTES) };
  } catch (error: unknown) {
    return fail(hostPort, `cannot read caFile (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
