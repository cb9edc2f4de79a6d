import { BuildFailedError } from '../engine/image-build';

/**
 * What the engine says when a build's FROM image is not local and cannot be pulled: no registry
 * reachable (`lookup registry-1.docker.io`), no such image, or no access to it.
 */
const PULL_FAILURE =
  /lookup registry|registry-1\.docker\.io|pull access denied|manifest unknown|manifest for .* not found|repository does not exist|no such host|failed to resolve source metadata|dial tcp|i\/o timeout|TLS handshake timeout|unauthorized: authentication required/i;

/** The image of a Dockerfile's first FROM (its build-stage name and flags dropped); null if it has none. */
export function baseImageOf(dockerfile: string): string | null {
  for (const raw of dockerfile.split('\n')) {
    const words = raw.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== 'FROM') continue;
    return words.slice(1).find((word) => !word.startsWith('--')) ?? null;
  }
  return null;
}

/**
 * A build that failed pulling its base image says so in one line the operator can act on (the
 * engine's own words were a DNS error about a registry), naming the image and what to do; any
 * other failure is returned as it was.
 */
export function explainBaseImageFailure(error: unknown, agentName: string, dockerfile: string): unknown {
  if (!(error instanceof BuildFailedError)) return error;
  const base = baseImageOf(dockerfile);
  const reason = error.message.replace(/^image build failed: /, '');
  if (base === null || !PULL_FAILURE.test(reason)) return error;
  return new BuildFailedError(
    `the base image ${base} of agent ${agentName} is not on this engine and could not be pulled: pull it (docker pull ${base}) where a registry is reachable, or point the agent's Dockerfile FROM at a local image (engine said: ${reason})`,
    error.logTail,
  );
}
