import { PassThrough, Readable, type Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { RawContainerStats } from './container-stats';
import { hijackedStream, responseStream, tarStream, type TarSource } from './engine-streams';

/** The engine's answers about containers, execs and images, named here for the rest of the core. */
export type ContainerInfo = Docker.ContainerInfo;
export type ContainerInspectInfo = Docker.ContainerInspectInfo;
export type ContainerCreateOptions = Docker.ContainerCreateOptions;
export type MountSettings = Docker.MountSettings;
export type ExecCreateOptions = Docker.ExecCreateOptions;
export type ExecInspectInfo = Docker.ExecInspectInfo;
export type ImageInspectInfo = Docker.ImageInspectInfo;

/** A terminal size, in the engine's names (rows, columns). */
export interface TerminalSize {
  h: number;
  w: number;
}

/** A non-TTY exec's connection and its output, split: both outputs end when the connection does. */
export interface ExecStreams {
  stream: Duplex;
  stdout: PassThrough;
  stderr: PassThrough;
}

/**
 * Splits the engine's multiplexed stdout/stderr frames (a non-TTY attach, exec or log) into two
 * PassThroughs (or both into one), ended with the source: the one place the frame headers are read.
 */
export function demuxOutput(modem: Docker['modem'], stream: Readable, stdout: PassThrough, stderr: PassThrough): void {
  modem.demuxStream(stream, stdout, stderr);
  stream.on('end', () => {
    stdout.end();
    if (stderr !== stdout) stderr.end();
  });
}

/** One process started in a running container (`docker exec`). */
export class EngineExec {
  constructor(private readonly exec: Docker.Exec) {}

  /** Starts it with its connection hijacked: what it writes (raw, or framed without a TTY) and its stdin. */
  async start(options: { stdin: boolean; tty?: boolean }): Promise<Duplex> {
    return hijackedStream(await this.exec.start({ hijack: true, stdin: options.stdin, ...(options.tty === true ? { Tty: true } : {}) }));
  }

  /** Starts a non-TTY exec and splits its output into stdout and stderr. */
  async startDemuxed(options: { stdin: boolean }): Promise<ExecStreams> {
    const stream = await this.start(options);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    demuxOutput(this.exec.modem as Docker['modem'], stream, stdout, stderr);
    return { stream, stdout, stderr };
  }

  /**
   * Starts it detached. The engine's (empty) answer is read to its end, for at most `waitMs`:
   * left unread, it holds an engine connection open, and a serve process being stopped would
   * never exit.
   */
  async startDetached(waitMs: number): Promise<void> {
    const answer = (await this.exec.start({ Detach: true })) as unknown;
    if (answer instanceof Readable)
      await finished(answer.resume(), { signal: AbortSignal.timeout(waitMs) }).catch((_error: unknown) => answer.destroy());
  }

  inspect(): Promise<ExecInspectInfo> {
    return this.exec.inspect();
  }

  async resize(size: TerminalSize): Promise<void> {
    await this.exec.resize(size);
  }
}

/**
 * One container of the engine, by id: its lifecycle, its TTY, its execs, its archive and its
 * stats, with every stream typed as what it is.
 */
export class EngineContainer {
  constructor(private readonly container: Docker.Container) {}

  get id(): string {
    return this.container.id;
  }

  inspect(): Promise<ContainerInspectInfo> {
    return this.container.inspect();
  }

  async start(): Promise<void> {
    await this.container.start();
  }

  async stop(options: { t: number }): Promise<void> {
    await this.container.stop(options);
  }

  async kill(): Promise<void> {
    await this.container.kill();
  }

  async remove(options: { force: boolean }): Promise<void> {
    await this.container.remove(options);
  }

  /** Freezes every process in it (cgroup freezer): they keep their state and PIDs, and go on at unpause. */
  async pause(): Promise<void> {
    await this.container.pause();
  }

  async unpause(): Promise<void> {
    await this.container.unpause();
  }

  async resize(size: TerminalSize): Promise<void> {
    await this.container.resize(size);
  }

  /** Waits until it has exited (at once when it has); resolves with its exit code. */
  async wait(): Promise<number> {
    const result = (await this.container.wait()) as { StatusCode?: unknown };
    return typeof result.StatusCode === 'number' ? result.StatusCode : -1;
  }

  /** Its TTY (every bottle has one): stdin, stdout and stderr on one hijacked connection. */
  async attach(options: { detachKeys?: string } = {}): Promise<Duplex> {
    const detach = options.detachKeys === undefined ? {} : { detachKeys: options.detachKeys };
    return hijackedStream(await this.container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, ...detach }));
  }

  /**
   * Its TTY's input only (what `send` types): nothing comes back on the connection, so ending the
   * input ends it cleanly, and the container's stdin stays open for its other terminals (StdinOnce false).
   */
  async attachInput(): Promise<Duplex> {
    return hijackedStream(await this.container.attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true }));
  }

  async exec(options: ExecCreateOptions): Promise<EngineExec> {
    return new EngineExec(await this.container.exec(options));
  }

  /** The last `tail` lines of its output as the engine kept them, whole (framed unless a TTY's). */
  logs(options: { tail: number }): Promise<Buffer> {
    return this.container.logs({ stdout: true, stderr: true, follow: false, tail: options.tail });
  }

  /** One reading of its CPU and memory counters (`one-shot`: no second sample to wait for). */
  async stats(): Promise<RawContainerStats> {
    // The API's `one-shot` is missing from dockerode's option type for a single reading.
    return this.container.stats({ stream: false, 'one-shot': true } as { stream: false });
  }

  /** The tar of a path in it; rejects with the engine's 404 when the path does not exist. */
  async getArchive(path: string): Promise<Readable> {
    return responseStream(await this.container.getArchive({ path }));
  }

  /** What the engine says of a path (HEAD on the archive): its response, whose headers carry the stat. */
  async infoArchive(path: string): Promise<ArchiveInfoResponse> {
    return (await this.container.infoArchive({ path })) as ArchiveInfoResponse;
  }

  /** Unpacks a tar into it at `path` (created or stopped containers too). */
  async putArchive(tar: TarSource, path: string): Promise<void> {
    await this.container.putArchive(tarStream(tar), { path });
  }
}

/** The engine's answer to a HEAD on the archive (an IncomingMessage over http; its headers carry the stat). */
export interface ArchiveInfoResponse {
  headers?: Record<string, string | string[] | undefined>;
  resume?: () => void;
}

/** One image of the engine, by name or id. */
export class EngineImage {
  constructor(private readonly image: Docker.Image) {}

  inspect(): Promise<ImageInspectInfo> {
    return this.image.inspect();
  }

  async tag(options: { repo: string; tag: string }): Promise<void> {
    await this.image.tag(options);
  }

  async remove(options: { noprune?: boolean; force?: boolean } = {}): Promise<void> {
    await this.image.remove(options);
  }
}
