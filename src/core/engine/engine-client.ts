import type { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { demuxOutput, EngineContainer, EngineImage, type ContainerCreateOptions, type ContainerInfo } from './engine-container';
import { EngineNetwork, type NetworkCreateOptions, type NetworkFilters, type NetworkInspectInfo } from './engine-network';
import { responseStream, tarStream, type TarSource } from './engine-streams';

export type {
  ContainerCreateOptions,
  ContainerInfo,
  ContainerInspectInfo,
  ExecCreateOptions,
  ImageInspectInfo,
  MountSettings,
} from './engine-container';
export { EngineContainer, EngineExec, EngineImage, type ExecStreams, type TerminalSize } from './engine-container';
export type { TarSource } from './engine-streams';
export {
  EngineNetwork,
  type NetworkCreateOptions,
  type NetworkEndpoint,
  type NetworkFilters,
  type NetworkInspectInfo,
} from './engine-network';

/** Which containers a listing is about, in the engine's filter names (`label`, `status`). */
export type ContainerFilters = Record<string, string[]>;

/** Which events the feed carries: container events of containers with these labels. */
export interface EventFilters {
  type: 'container'[];
  label: string[];
}

/** What `docker info` says that we read; the rest of its answer is left untyped. */
export interface EngineInfoAnswer {
  NCPU?: unknown;
  DockerRootDir?: unknown;
  Driver?: unknown;
  SecurityOptions?: unknown;
}

/** What `docker version` says that we read. */
export interface EngineVersionAnswer {
  Version: string;
  ApiVersion: string;
}

/** The options of an image build that we use (the engine's query parameters). */
export interface BuildOptions {
  t: string;
  dockerfile: string;
  labels: Record<string, string>;
  rm: boolean;
  forcerm: boolean;
}

/** One JSON message of a build's progress stream. */
export interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
  status?: string;
}

/**
 * The core's one client of a Docker engine: it owns the dockerode object, and everything above
 * src/core/engine reaches the engine through it (or through the engine's own functions), never
 * through dockerode, whose loose stream types end here. One client per engine connection (see
 * connectEndpoint): its identity stands for the engine (engine facts are cached by it).
 */
export class EngineClient {
  /** Wraps a dockerode object (tests may build their own and pass it here). */
  constructor(private readonly docker: Docker) {}

  getContainer(id: string): EngineContainer {
    return new EngineContainer(this.docker.getContainer(id));
  }

  getImage(name: string): EngineImage {
    return new EngineImage(this.docker.getImage(name));
  }

  listContainers(options: { all?: boolean; filters: ContainerFilters }): Promise<ContainerInfo[]> {
    return this.docker.listContainers(options);
  }

  async createContainer(options: ContainerCreateOptions): Promise<EngineContainer> {
    return new EngineContainer(await this.docker.createContainer(options));
  }

  getNetwork(idOrName: string): EngineNetwork {
    return new EngineNetwork(this.docker.getNetwork(idOrName));
  }

  /** The engine's networks (every field but `Containers`, which the list leaves empty). */
  listNetworks(options: { filters?: NetworkFilters } = {}): Promise<NetworkInspectInfo[]> {
    return this.docker.listNetworks(options.filters === undefined ? {} : { filters: options.filters });
  }

  /** Creates a network; rejects with the engine's answer (409 when the name is taken, 403/400 when its pool overlaps). */
  async createNetwork(options: NetworkCreateOptions): Promise<EngineNetwork> {
    return new EngineNetwork(await this.docker.createNetwork(options));
  }

  info(): Promise<EngineInfoAnswer> {
    return this.docker.info() as Promise<EngineInfoAnswer>;
  }

  version(): Promise<EngineVersionAnswer> {
    return this.docker.version();
  }

  /** The engine's event feed (newline-separated JSON), open until destroyed or the engine goes. */
  async events(filters: EventFilters): Promise<Readable> {
    return responseStream(await this.docker.getEvents({ filters }));
  }

  /** Sends a build context (a tar) to the engine; resolves with the build's progress stream. */
  async buildImage(context: TarSource, options: BuildOptions): Promise<Readable> {
    return responseStream(await this.docker.buildImage(tarStream(context), options));
  }

  /** Reads a progress stream (a build's) to its end: `onMessage` per message, then `onFinished`. */
  followProgress(stream: Readable, onFinished: (error: Error | null) => void, onMessage: (message: BuildMessage) => void): void {
    this.docker.modem.followProgress(stream, onFinished, onMessage);
  }

  /**
   * A container's log as the engine sends it (framed unless the container has a TTY), streamed
   * even without `follow`: dockerode only streams when following, and a plain tail must stream
   * too, or a huge log is buffered whole.
   */
  rawLogs(containerId: string, options: { follow: boolean; tail: number | 'all' }): Promise<Readable> {
    return new Promise<Readable>((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/containers/${containerId}/logs?`,
          method: 'GET',
          isStream: true,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options: { stdout: true, stderr: true, follow: options.follow, tail: String(options.tail) },
        } as Parameters<Docker['modem']['dial']>[0],
        (error: unknown, stream: unknown) => (error ? reject(error as Error) : resolve(responseStream(stream as NodeJS.ReadableStream))),
      );
    });
  }

  /** Splits a framed stream (a non-TTY log, attach or exec) into stdout and stderr; ends both with it. */
  demux(stream: Readable, stdout: PassThrough, stderr: PassThrough): void {
    demuxOutput(this.docker.modem, stream, stdout, stderr);
  }
}
