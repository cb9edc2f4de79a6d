import Docker from 'dockerode';
import { modemOptionsFor, resolveEngineEndpoint, type EngineEndpoint } from './engine-endpoint';

export interface DockerConnection {
  docker: Docker;
  endpoint: EngineEndpoint;
}

/** One dockerode client for the resolved endpoint; creating it does not touch the network. */
export function connectDocker(env: NodeJS.ProcessEnv = process.env): DockerConnection {
  const endpoint = resolveEngineEndpoint(env);
  return { docker: new Docker(modemOptionsFor(endpoint.host, env)), endpoint };
}

export class EngineUnavailableError extends Error {
  constructor(endpoint: EngineEndpoint, cause: unknown) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(
      `Docker engine not reachable at ${endpoint.host} (${detail}); start Docker (e.g. \`sudo systemctl start docker\` or Docker Desktop) and try again`,
    );
    this.name = 'EngineUnavailableError';
  }
}

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EACCES']);

/** True for errors that mean "no engine answered" rather than "the engine said no". */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
  endpoint: EngineEndpoint;
}

/** Pings the engine; throws EngineUnavailableError with a one-line hint when it does not answer. */
export async function engineInfo(connection: DockerConnection): Promise<EngineInfo> {
  try {
    const version = await connection.docker.version();
    return { version: version.Version, apiVersion: version.ApiVersion, endpoint: connection.endpoint };
  } catch (error: unknown) {
    if (isConnectionError(error)) throw new EngineUnavailableError(connection.endpoint, error);
    throw error;
  }
}
