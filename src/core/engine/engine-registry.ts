import type { EngineSummary as SharedEngineSummary } from '../../shared/bottle-view';
import { BottleError } from '../base/bottle-error';
import { connectEndpoint, type DockerConnection } from './docker-client';
import { DEFAULT_CONTEXT, listDockerContexts } from './docker-contexts';
import { contextEndpoint, isLocalEndpoint, resolveEngineEndpoint, type EngineEndpoint } from './engine-endpoint';

/** A Docker engine, named by its context ('default': DOCKER_HOST or the platform's socket). */
export interface Engine {
  name: string;
  connection: DockerConnection;
  /** On this machine (a unix socket): it can bind-mount this machine's folders. */
  local: boolean;
}

/** What the registry knows of an engine without asking it; its status is the watchers' to add. */
export type EngineSummary = Omit<SharedEngineSummary, 'status'>;

/**
 * Every engine the app may talk to: the built-in default, and each context in the Docker CLI's
 * store. Connections are made on first use and kept (an ssh engine keeps one session).
 */
export class EngineRegistry {
  private readonly engines = new Map<string, Engine>();
  /** The engine the docker CLI would use now (`docker context use`, DOCKER_CONTEXT, DOCKER_HOST). */
  readonly currentName: string;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    current?: DockerConnection,
  ) {
    const endpoint = current?.endpoint ?? resolveEngineEndpoint(env);
    this.currentName = endpoint.contextName ?? DEFAULT_CONTEXT;
    if (current !== undefined)
      this.engines.set(this.currentName, { name: this.currentName, connection: current, local: isLocalEndpoint(current.endpoint) });
  }

  current(): Engine {
    return this.get(this.currentName);
  }

  /** The engine of a context by name; a one-line error naming the known ones when there is none. */
  get(name: string): Engine {
    const known = this.engines.get(name);
    if (known !== undefined) return known;
    const endpoint: EngineEndpoint | null = contextEndpoint(name, this.env);
    if (endpoint === null) {
      const names = [DEFAULT_CONTEXT, ...listDockerContexts(this.env).map((context) => context.name)];
      throw new BottleError(
        'not-found',
        `unknown Docker context "${name.slice(0, 80)}" (known: ${names.join(', ')}; see \`docker context ls\`)`,
      );
    }
    const engine: Engine = { name, connection: connectEndpoint(endpoint, this.env), local: isLocalEndpoint(endpoint) };
    this.engines.set(name, engine);
    return engine;
  }

  /** Where a bottle lives: its recorded context, or the default engine when none is recorded. */
  forBottle(recorded: string | null): Engine {
    return this.get(recorded ?? DEFAULT_CONTEXT);
  }

  /** The default engine, the current one and every stored context, for pickers and listings. */
  summaries(): EngineSummary[] {
    const contexts = listDockerContexts(this.env);
    const names = [DEFAULT_CONTEXT, ...contexts.map((context) => context.name)];
    if (!names.includes(this.currentName)) names.push(this.currentName);
    return names.flatMap((name) => {
      const endpoint = this.engines.get(name)?.connection.endpoint ?? contextEndpoint(name, this.env);
      if (endpoint === null) return [];
      const description =
        contexts.find((context) => context.name === name)?.description ??
        (name === DEFAULT_CONTEXT ? 'DOCKER_HOST or the default socket' : '');
      return [{ name, host: endpoint.host, description, current: name === this.currentName, local: isLocalEndpoint(endpoint) }];
    });
  }

  /** Ends kept sessions (ssh); engines and their containers are not touched. */
  close(): void {
    for (const engine of this.engines.values()) engine.connection.close();
    this.engines.clear();
  }
}
