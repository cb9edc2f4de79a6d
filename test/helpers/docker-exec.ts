import type Docker from 'dockerode';
import { connectDocker } from '../../src/core/engine/docker-client';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { extractFolder, swapIntoPlace } from '../../src/core/engine/container-archive';
import { EngineContainer } from '../../src/core/engine/engine-client';
import { rawDocker } from './raw-docker';

/** Runs a command in a running container and returns its output (TTY containers: one stream). */
export async function execIn(
  container: Docker.Container | EngineContainer,
  cmd: string[],
  user?: string,
): Promise<{ output: string; exitCode: number }> {
  const engineContainer = container instanceof EngineContainer ? container : new EngineContainer(container);
  const exec = await engineContainer.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(user ? { User: user } : {}),
  });
  const { stream, stdout, stderr } = await exec.startDemuxed({ stdin: false });
  let output = '';
  for (const out of [stdout, stderr]) out.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { output, exitCode: info.ExitCode ?? -1 };
}

export async function bottleContainer(identity: string): Promise<Docker.Container> {
  const info = await findBottleContainer(connectDocker().docker, identity);
  if (info === null) throw new Error(`no container for ${identity}`);
  return rawDocker().getContainer(info.Id);
}

/** Polls until `check` passes or the deadline hits; the failure message is the last error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error: unknown) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw lastError;
}

/**
 * Copies a folder out of a container into `dest` through the snapshot's archive path (extract, then
 * swap into place). Returns false (and leaves `dest` alone) when the folder does not exist there.
 */
export async function copyFolderOut(container: Docker.Container | EngineContainer, source: string, dest: string): Promise<boolean> {
  const extracted = await extractFolder(container instanceof EngineContainer ? container : new EngineContainer(container), source, dest);
  if (extracted === null) return false;
  await swapIntoPlace(extracted);
  return true;
}
