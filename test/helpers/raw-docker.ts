import Docker from 'dockerode';
import { modemOptionsFor, resolveEngineEndpoint } from '../../src/core/engine/engine-endpoint';

/**
 * A dockerode client of the engine the core connects to by default, for tests that drive the
 * engine past what the core's EngineClient offers (import an image, wait for a container, list
 * images). A unix socket or plain tcp, as the test engines are.
 */
export function rawDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  return new Docker(modemOptionsFor(resolveEngineEndpoint(env).host, env) as Docker.DockerOptions);
}
