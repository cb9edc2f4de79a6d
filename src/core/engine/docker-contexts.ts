import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CONTEXT_NAME_PATTERN } from '../../shared/rules';
import { parseJson } from '../base/parse-json';

/**
 * The Docker CLI's context store, read as the `docker` CLI reads it: `$DOCKER_CONFIG` (else
 * `~/.docker`), `contexts/meta/<sha256 of the name>/meta.json`, and TLS material in
 * `contexts/tls/<sha256>/docker/{ca,cert,key}.pem`. We only read it; `docker context create` writes it.
 */
export interface DockerContext {
  name: string;
  /** The docker endpoint, e.g. unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  host: string;
  description: string;
  skipTlsVerify: boolean;
  /** Folder holding ca.pem / cert.pem / key.pem for this context, when it has TLS material. */
  tlsDir: string | null;
}

/** The name of the built-in context: DOCKER_HOST, else the platform's default socket. */
export const DEFAULT_CONTEXT = 'default';

export { CONTEXT_NAME_PATTERN } from '../../shared/rules';

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(homedir(), '.docker');
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    // A missing or unreadable file reads as nothing, as the docker CLI treats it.
    return undefined;
  }
  // A broken one too (undefined).
  return parseJson(text);
}

function contextDigest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** The context the docker CLI would use now: DOCKER_CONTEXT, else config.json's currentContext, else default. */
export function currentContextName(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_CONTEXT !== undefined && env.DOCKER_CONTEXT !== '') return env.DOCKER_CONTEXT;
  const config = readJson(join(dockerConfigDir(env), 'config.json'));
  const name = typeof config === 'object' && config !== null ? (config as { currentContext?: unknown }).currentContext : undefined;
  return typeof name === 'string' && name !== '' ? name : DEFAULT_CONTEXT;
}

function parseMeta(configDir: string, digest: string): DockerContext | null {
  const meta = readJson(join(configDir, 'contexts', 'meta', digest, 'meta.json')) as
    | { Name?: unknown; Metadata?: { Description?: unknown }; Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } }
    | undefined;
  const name = meta?.Name;
  const host = meta?.Endpoints?.docker?.Host;
  if (typeof name !== 'string' || !CONTEXT_NAME_PATTERN.test(name) || typeof host !== 'string' || host === '') return null;
  // The store is keyed by the name's digest: an entry under another digest is not that context.
  if (contextDigest(name) !== digest) return null;
  const tlsDir = join(configDir, 'contexts', 'tls', digest, 'docker');
  const description = meta?.Metadata?.Description;
  return {
    name,
    host,
    description: typeof description === 'string' ? description : '',
    skipTlsVerify: meta?.Endpoints?.docker?.SkipTLSVerify === true,
    tlsDir: existsSync(tlsDir) ? tlsDir : null,
  };
}

/** One context by name; null when the store has none of that name. */
export function readDockerContext(name: string, env: NodeJS.ProcessEnv = process.env): DockerContext | null {
  if (!CONTEXT_NAME_PATTERN.test(name) || name === DEFAULT_CONTEXT) return null;
  return parseMeta(dockerConfigDir(env), contextDigest(name));
}

/** Every context in the store, by name (the built-in default is not stored there). */
export function listDockerContexts(env: NodeJS.ProcessEnv = process.env): DockerContext[] {
  const configDir = dockerConfigDir(env);
  let digests: string[];
  try {
    digests = readdirSync(join(configDir, 'contexts', 'meta'));
  } catch (error: unknown) {
    // No store yet (or one that cannot be listed, which the docker CLI reads the same way): only
    // the default context exists.
    return [];
  }
  return digests
    .filter((digest) => /^[0-9a-f]{64}$/.test(digest))
    .map((digest) => parseMeta(configDir, digest))
    .filter((context): context is DockerContext => context !== null && context.name !== DEFAULT_CONTEXT)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
