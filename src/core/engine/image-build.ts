import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pack as packDir } from 'tar-fs';
import type { Pack } from 'tar-stream';
import { BottleError } from '../base/bottle-error';
import type { BuildMessage, EngineClient, ImageInspectInfo, TarSource } from './engine-client';
import { ifImageExists } from './if-engine-object-exists';

export interface BuildProgress {
  step: number | null;
  totalSteps: number | null;
  line: string;
}

export type BuildProgressListener = (progress: BuildProgress) => void;

/** Name of the Dockerfile we inject into a build context when the bottle has its own. */
const INJECTED_DOCKERFILE = '.claude-bottle.Dockerfile';
const LOG_TAIL_LINES = 40;

/**
 * A stable hash of a build context (paths, modes, contents, link targets), so an unchanged agent
 * maps to the same image tag and is built once.
 */
/**
 * One entry of the hash, JSON-encoded: a name or link target may hold spaces and line feeds, and
 * with plain `l name target` lines a link target could spell out entries of its own, so that two
 * different folders hashed alike (and trust given to one passed for the other).
 */
function record(fields: (string | number)[]): string {
  return `${JSON.stringify(fields)}\n`;
}

export async function hashBuildContext(dir: string, extra = ''): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(join(dir, relative))).sort();
    for (const name of names) {
      const rel = relative === '' ? name : `${relative}/${name}`;
      const info = await lstat(join(dir, rel));
      if (info.isDirectory()) {
        hash.update(record(['d', rel]));
        await walk(rel);
      } else if (info.isSymbolicLink()) {
        hash.update(record(['l', rel, await readlink(join(dir, rel))]));
      } else if (info.isFile()) {
        hash.update(record(['f', rel, info.mode & 0o111 ? 'x' : '-', info.size]));
        hash.update(await readFile(join(dir, rel)));
      }
    }
  };
  await walk('');
  hash.update(`extra ${extra}`);
  return hash.digest('hex');
}

function contextTar(dir: string, dockerfile: string | null): TarSource {
  if (dockerfile === null) return packDir(dir);
  return packDir(dir, {
    finalize: false,
    finish: (pack: Pack) => {
      pack.entry({ name: INJECTED_DOCKERFILE, mode: 0o644 }, dockerfile);
      pack.finalize();
    },
  });
}

/** A failed image build: a one-line message plus the tail of the build log for the UI. */
export class BuildFailedError extends BottleError {
  constructor(
    detail: string,
    readonly logTail: string[],
  ) {
    super('build-failed', `image build failed: ${detail}`);
    this.name = 'BuildFailedError';
  }
}

interface BuildImageOptions {
  contextDir: string;
  dockerfile: string | null;
  tag: string;
  labels?: Record<string, string>;
}

/**
 * Builds an image from a context folder (optionally with a replacement Dockerfile), streaming
 * "Step n/m" progress. Resolves with the image id; a failed build rejects with BuildFailedError.
 */
export async function buildImage(docker: EngineClient, options: BuildImageOptions, onProgress?: BuildProgressListener): Promise<string> {
  return (await buildImageInspected(docker, options, onProgress)).id;
}

/** buildImage, with the engine's inspect of the built tag, for a caller that reads the image next. */
export async function buildImageInspected(
  docker: EngineClient,
  options: BuildImageOptions,
  onProgress: BuildProgressListener = () => undefined,
): Promise<{ id: string; info: ImageInspectInfo }> {
  const stream = await docker.buildImage(contextTar(options.contextDir, options.dockerfile), {
    t: options.tag,
    dockerfile: options.dockerfile === null ? 'Dockerfile' : INJECTED_DOCKERFILE,
    labels: options.labels ?? {},
    rm: true,
    forcerm: true,
  });
  const tail: string[] = [];
  let step: number | null = null;
  let totalSteps: number | null = null;
  let imageId: string | null = null;
  let failure: string | null = null;
  const report = (line: string): void => {
    const match = /^Step (\d+)\/(\d+)/.exec(line);
    if (match) {
      step = Number(match[1]);
      totalSteps = Number(match[2]);
    }
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    onProgress({ step, totalSteps, line });
  };
  await new Promise<void>((resolve, reject) => {
    docker.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (message: BuildMessage) => {
        if (message.error !== undefined) {
          failure = message.errorDetail?.message ?? message.error;
          report(failure);
        }
        if (message.aux?.ID !== undefined) imageId = message.aux.ID;
        const text = message.stream ?? message.status;
        if (text !== undefined) {
          for (const line of text.split('\n')) if (line.trim() !== '') report(line.replace(/\r$/, ''));
          const built = /Successfully built ([0-9a-f]+)/.exec(text);
          if (built && imageId === null) imageId = built[1] ?? null;
        }
      },
    );
  }).catch((error: unknown) => {
    failure ??= (error as Error).message;
  });
  if (failure !== null) throw new BuildFailedError(String(failure).split('\n')[0] ?? 'unknown error', tail);
  const info = await docker.getImage(options.tag).inspect();
  return { id: imageId ?? info.Id, info };
}

/** True when an image with this tag exists. */
export async function imageExists(docker: EngineClient, tag: string): Promise<boolean> {
  return (await ifImageExists(docker.getImage(tag).inspect())) !== null;
}
