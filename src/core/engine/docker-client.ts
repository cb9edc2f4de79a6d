import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import Docker from 'dockerode';
import { EngineClient } from './engine-client';
import { KeptAliveHttpsAgent } from './kept-alive-agent';
import { modemOptionsFor, resolveEngineEndpoint, type EngineEndpoint } from './engine-endpoint';
import { SSH_ERROR_CODES, sshDockerAgent } from './ssh-transport';

export interface DockerConnection {
  /** The engine's client (named `docker` as the engine it speaks to). */
  docker: EngineClient;
  endpoint: EngineEndpoint;
  /** Ends what the connection keeps open (an ssh session); the engine is not touched. */
  close(): void;
}

function tlsMaterial(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv): { ca: Buffer; cert: Buffer; key: Buffer } | null {
  const dir = endpoint.tlsDir ?? (endpoint.source === 'DOCKER_HOST' && env.DOCKER_TLS_VERIFY === '1' ? env.DOCKER_CERT_PATH : undefined);
  if (dir === undefined || dir === '') return null;
  try {
    return { ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } catch (error: unknown) {
    throw new Error(
      `cannot read the TLS material of Docker endpoint ${endpoint.host} in ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/**
 * One engine client for an endpoint (unix socket, tcp with its context's TLS material, or ssh
 * over one shared session); creating it does not touch the network.
 */
export function connectEndpoint(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv = process.env): DockerConnection {
  const options = modemOptionsFor(endpoint.host, env);
  if (options.protocol === 'ssh') {
    const agent = sshDockerAgent({ host: options.host ?? '', port: options.port ?? 22, username: options.username || 'root' });
    // Requests go to the engine through the agent's dial-stdio channels; host and port are nominal.
    return {
      docker: new EngineClient(new Docker({ protocol: 'http', host: 'docker-over-ssh', port: 80, agent } as Docker.DockerOptions)),
      endpoint,
      close: () => agent.destroy(),
    };
  }
  const tls = tlsMaterial(endpoint, env);
  if (tls !== null) {
    const agent = new KeptAliveHttpsAgent({
      secureContext: createSecureContext(tls),
      ...(endpoint.skipTlsVerify === true ? { rejectUnauthorized: false } : {}),
    });
    // The TLS material lives in the agent's secure context only: docker-modem puts any key, cert
    // and CA it is given into every request's options, and formats those in full for a debug line
    // on each request (~0.1 ms of CPU a request; the client's private key in the text, printed
    // with DEBUG=modem).
    const docker = new EngineClient(new Docker({ ...options, protocol: 'https', agent } as Docker.DockerOptions));
    return { docker, endpoint, close: () => agent.destroy() };
  }
  return { docker: new EngineClient(new Docker(options as Docker.DockerOptions)), endpoint, close: () => undefined };
}

/** A client for the engine the docker CLI would use now (DOCKER_HOST, current context, default). */
export function connectDocker(env: NodeJS.ProcessEnv = process.env): DockerConnection {
  return connectEndpoint(resolveEngineEndpoint(env), env);
}

export class EngineUnavailableError extends Error {
  constructor(endpoint: EngineEndpoint, cause: unknown) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    const ssh = (SSH_ERROR_CODES as readonly string[]).includes((cause as { code?: string } | null)?.code ?? '');
    super(
      ssh
        ? `Docker engine ${endpoint.contextName ?? endpoint.host} not reachable: ${detail}`
        : `Docker engine not reachable at ${endpoint.host} (${detail}); start Docker (e.g. \`sudo systemctl start docker\` or Docker Desktop) and try again`,
    );
    this.name = 'EngineUnavailableError';
  }
}

const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EACCES',
  'ECONNABORTED',
  ...SSH_ERROR_CODES,
]);

/** True for errors that mean "no engine answered" rather than "the engine said no". */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  // ssh2 and TLS failures that never reached the engine.
  const level = (error as { level?: unknown } | null)?.level;
  return (
    level === 'client-socket' ||
    level === 'client-timeout' ||
    (typeof code === 'string' && code.startsWith('ERR_TLS')) ||
    (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO/.test(code))
  );
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
  endpoint: EngineEndpoint;
}

/**
 * The engine's answer, or an ETIMEDOUT error (a connection error, as a refused socket is) when it
 * gives none within `timeoutMs`: an engine that went silent must not hold up its caller.
 */
export async function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pings the engine; throws EngineUnavailableError with a one-line hint when it does not answer. */
export async function engineInfo(connection: DockerConnection, timeoutMs = 10_000): Promise<EngineInfo> {
  try {
    const version = await withinTimeout(connection.docker.version(), timeoutMs);
    return { version: version.Version, apiVersion: version.ApiVersion, endpoint: connection.endpoint };
  } catch (error: unknown) {
    if (isConnectionError(error)) throw new EngineUnavailableError(connection.endpoint, error);
    throw error;
  }
}
