import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BottleError } from '../base/bottle-error';
import { resourcesDir } from '../base/resources';
import { isMissing } from '../fs/if-exists';
import type { EngineClient } from './engine-client';
import { buildImage, imageExists, type BuildProgressListener } from './image-build';

/*
 * The gateway's image: a node base plus the one bundled gateway program, built on the engine like
 * an agent's image (so it suits the engine's architecture, Docker Desktop's VM included) and named
 * by what went into it, so an unchanged program on an unchanged base is built once.
 */

/** Where the program sits in the image. */
export const GATEWAY_PROGRAM = '/opt/claude-bottle/gateway.cjs';
/** The gateway's control socket, on a tmpfs of the container's own (its root is read-only). */
export const GATEWAY_RUN_DIR = '/run/claude-bottle';
export const GATEWAY_CONTROL_SOCKET = `${GATEWAY_RUN_DIR}/control.sock`;
/** `nobody`: the program needs no user of its own, and no file of the image is its to write. */
export const GATEWAY_USER = '65534:65534';
export const LABEL_GATEWAY = 'claude-bottle.gateway';
const IMAGE_REPO = 'claude-bottle-gateway';

/** Where `npm run build` writes the program (scripts/build-gateway.mjs), from the checkout's or the app's top folder. */
const GATEWAY_BUNDLE = join('out', 'gateway', 'gateway.cjs');

/**
 * The bundled gateway program on this machine: beside the app's resources folder (the packaged app
 * ships both as extraResources), else in the build output above this module (a checkout whose
 * resources folder CLAUDE_BOTTLE_RESOURCES moved elsewhere: the program did not move with it).
 * CLAUDE_BOTTLE_GATEWAY_PROGRAM names another (tests use a stand-in).
 */
export function gatewayProgramPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CLAUDE_BOTTLE_GATEWAY_PROGRAM;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const besideResources = join(resourcesDir(), '..', GATEWAY_BUNDLE);
  if (existsSync(besideResources)) return besideResources;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir))
    if (existsSync(join(dir, GATEWAY_BUNDLE))) return join(dir, GATEWAY_BUNDLE);
  // Read where the app would ship it: the launch fails there with the path it looked at.
  return besideResources;
}

export interface GatewayImageSource {
  /** The image the gateway image starts FROM (settings.json `gatewayBaseImage`): it must have `node` on its PATH. */
  baseImage: string;
  /** The bundled program on this machine. */
  programPath: string;
}

function dockerfileFor(baseImage: string): string {
  // JSON forms: nothing here goes through a shell.
  return [
    `FROM ${baseImage}`,
    `COPY gateway.cjs ${GATEWAY_PROGRAM}`,
    `USER ${GATEWAY_USER}`,
    `CMD ${JSON.stringify(['node', GATEWAY_PROGRAM, '--control-socket', GATEWAY_CONTROL_SOCKET])}`,
    '',
  ].join('\n');
}

/** A base image name as Docker takes it in FROM: no spaces, no line breaks, nothing that starts an option. */
function checkedBase(baseImage: string): string {
  if (!/^[a-z0-9][a-zA-Z0-9._\-/:@]*$/.test(baseImage))
    throw new Error(`not an image name for the gateway's base: ${JSON.stringify(baseImage)}`);
  return baseImage;
}

/** The gateway image for this base and program: built when the engine does not have it yet; returns its tag. */
export async function ensureGatewayImage(
  docker: EngineClient,
  source: GatewayImageSource,
  onProgress?: BuildProgressListener,
): Promise<string> {
  const program = await readFile(source.programPath).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
    throw new BottleError(
      'not-found',
      `the network gateway's program is missing (${source.programPath}): build it with \`npm run build:cli\``,
    );
  });
  const dockerfile = dockerfileFor(checkedBase(source.baseImage));
  const hash = createHash('sha256').update(dockerfile).update(program).digest('hex').slice(0, 16);
  const tag = `${IMAGE_REPO}:${hash}`;
  if (await imageExists(docker, tag)) return tag;
  const contextDir = await mkdtemp(join(tmpdir(), 'claude-bottle-gateway-'));
  try {
    await writeFile(join(contextDir, 'Dockerfile'), dockerfile);
    await writeFile(join(contextDir, 'gateway.cjs'), program, { mode: 0o644 });
    await buildImage(docker, { contextDir, dockerfile: null, tag, labels: { [LABEL_GATEWAY]: 'true' } }, onProgress);
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  return tag;
}
