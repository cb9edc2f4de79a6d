import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** Where the engine was found, so the UI and `claude-bottle` can say which one is in use. */
export interface EngineEndpoint {
  /** e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2376`, `npipe:////./pipe/docker_engine`. */
  host: string;
  source: 'DOCKER_HOST' | 'context' | 'default';
  contextName?: string;
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(homedir(), '.docker');
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function currentContextName(env: NodeJS.ProcessEnv, configDir: string): string | undefined {
  if (env.DOCKER_CONTEXT !== undefined && env.DOCKER_CONTEXT !== '') return env.DOCKER_CONTEXT;
  const config = readJson(join(configDir, 'config.json'));
  if (typeof config === 'object' && config !== null) {
    const name = (config as { currentContext?: unknown }).currentContext;
    if (typeof name === 'string' && name !== '') return name;
  }
  return undefined;
}

function contextHost(configDir: string, name: string): string | undefined {
  // The docker CLI stores each context's metadata under the SHA-256 of its name.
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = readJson(join(configDir, 'contexts', 'meta', digest, 'meta.json'));
  const host = (meta as { Endpoints?: { docker?: { Host?: unknown } } } | undefined)?.Endpoints?.docker?.Host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}

function defaultHost(): string {
  if (platform() === 'win32') return 'npipe:////./pipe/docker_engine';
  // Docker Desktop (macOS, and Linux when installed per user) puts its socket here.
  const perUser = join(homedir(), '.docker', 'run', 'docker.sock');
  if (platform() === 'darwin' && existsSync(perUser)) return `unix://${perUser}`;
  if (existsSync('/var/run/docker.sock') || !existsSync(perUser)) return 'unix:///var/run/docker.sock';
  return `unix://${perUser}`;
}

/** Resolves the engine endpoint the way the docker CLI does: DOCKER_HOST, current context, default socket. */
export function resolveEngineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (env.DOCKER_HOST !== undefined && env.DOCKER_HOST !== '') return { host: env.DOCKER_HOST, source: 'DOCKER_HOST' };
  const configDir = dockerConfigDir(env);
  const name = currentContextName(env, configDir);
  if (name !== undefined && name !== 'default') {
    const host = contextHost(configDir, name);
    if (host !== undefined) return { host, source: 'context', contextName: name };
  }
  return { host: defaultHost(), source: 'default' };
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
  } catch {
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
