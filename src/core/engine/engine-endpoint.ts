import { existsSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import { currentContextName, DEFAULT_CONTEXT, readDockerContext } from './docker-contexts';

/** Where the engine was found, so the UI and `claude-bottle` can say which one is in use. */
export interface EngineEndpoint {
  /** e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2376`, `npipe:////./pipe/docker_engine`. */
  host: string;
  source: 'DOCKER_HOST' | 'context' | 'default';
  contextName?: string;
  /** TLS material of a `tcp://` context (paths to ca.pem, cert.pem, key.pem), when it has some. */
  tlsDir?: string;
  skipTlsVerify?: boolean;
}

function defaultHost(): string {
  if (platform() === 'win32') return 'npipe:////./pipe/docker_engine';
  // Docker Desktop (macOS, and Linux when installed per user) puts its socket here.
  const perUser = join(homedir(), '.docker', 'run', 'docker.sock');
  if (platform() === 'darwin' && existsSync(perUser)) return `unix://${perUser}`;
  if (existsSync('/var/run/docker.sock') || !existsSync(perUser)) return 'unix:///var/run/docker.sock';
  return `unix://${perUser}`;
}

/** The built-in default context: DOCKER_HOST when set, else the platform's default socket. */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (env.DOCKER_HOST !== undefined && env.DOCKER_HOST !== '') return { host: env.DOCKER_HOST, source: 'DOCKER_HOST' };
  return { host: defaultHost(), source: 'default' };
}

/** A stored context's endpoint; null when the store has no such context. */
export function contextEndpoint(name: string, env: NodeJS.ProcessEnv = process.env): EngineEndpoint | null {
  if (name === DEFAULT_CONTEXT) return defaultEndpoint(env);
  const context = readDockerContext(name, env);
  if (context === null) return null;
  return {
    host: context.host,
    source: 'context',
    contextName: name,
    ...(context.tlsDir === null ? {} : { tlsDir: context.tlsDir }),
    ...(context.skipTlsVerify ? { skipTlsVerify: true } : {}),
  };
}

/** Resolves the engine endpoint the way the docker CLI does: DOCKER_HOST, current context, default socket. */
export function resolveEngineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (env.DOCKER_HOST !== undefined && env.DOCKER_HOST !== '') return { host: env.DOCKER_HOST, source: 'DOCKER_HOST' };
  const name = currentContextName(env);
  // An unknown current context falls back to the default socket, as before (the CLI would fail).
  return (name === DEFAULT_CONTEXT ? null : contextEndpoint(name, env)) ?? defaultEndpoint(env);
}

/** True for an engine on this machine, which can bind-mount this machine's folders. */
export function isLocalEndpoint(endpoint: EngineEndpoint): boolean {
  return endpoint.host.startsWith('unix://') || endpoint.host.startsWith('npipe://');
}

export interface ModemOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https' | 'ssh';
  username?: string;
}

/** Turns an endpoint host string into dockerode connection options; throws a one-line error if unusable. */
export function modemOptionsFor(host: string, env: NodeJS.ProcessEnv = process.env): ModemOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) };
  let url: URL;
  try {
    url = new URL(host.includes('//') ? host : `tcp://${host}`);
  } catch (error: unknown) {
    // URL's own message ("Invalid URL") says less than ours; it is not lost, it is replaced.
    throw new Error(`cannot use Docker endpoint "${host}": expected unix://, npipe://, tcp:// or ssh://`);
  }
  if (url.protocol === 'ssh:') {
    return { host: url.hostname, port: Number(url.port || 22), protocol: 'ssh', username: url.username };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`cannot use Docker endpoint "${host}": unsupported scheme ${url.protocol}`);
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376' || url.protocol === 'https:';
  return { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
}
