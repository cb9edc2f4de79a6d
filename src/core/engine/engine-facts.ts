import type { EngineClient } from './engine-client';

/** What the engine says about itself that bottle limits and folder checks need. */
export interface EngineFacts {
  /** CPUs the engine can give containers (a Docker Desktop VM has fewer than its host). */
  cpus: number;
  /** Where the engine keeps images and containers on its host, e.g. /var/lib/docker. */
  dockerRootDir: string | null;
  /** Its storage driver (`overlay2`…); null when it does not say. */
  storageDriver: string | null;
  /**
   * The engine maps its containers' users to other host users (userns-remap) or itself runs as
   * one (rootless): a container's files on the host are then not what it sees as its own.
   */
  remappedUsers: boolean;
  /** It labels its containers' files (SELinux): a file written from outside would not carry the container's label. */
  labelsFiles: boolean;
}

// One `docker info` per engine client and process: these facts do not change while we run. Kept at
// module level: keyed weakly by the client, an entry goes with the client (and so with the core
// whose engine registry made it), never held for a bottle.
const cache = new WeakMap<EngineClient, Promise<EngineFacts>>();

/** The engine's CPU count and data folder; a failure is not cached, so the next call asks again. */
export function engineFacts(docker: EngineClient): Promise<EngineFacts> {
  let facts = cache.get(docker);
  if (facts === undefined) {
    facts = docker.info().then((info) => ({
      cpus: typeof info.NCPU === 'number' && info.NCPU > 0 ? info.NCPU : 1,
      dockerRootDir: typeof info.DockerRootDir === 'string' && info.DockerRootDir !== '' ? info.DockerRootDir : null,
      storageDriver: typeof info.Driver === 'string' && info.Driver !== '' ? info.Driver : null,
      remappedUsers: remapsUsers(info.SecurityOptions),
      labelsFiles: !Array.isArray(info.SecurityOptions) || info.SecurityOptions.some((option) => option === 'name=selinux'),
    }));
    cache.set(docker, facts);
    // A failed answer is not kept: the caller gets the error, and the next call asks again.
    facts.catch((_error: unknown) => cache.delete(docker));
  }
  return facts;
}

/** `docker info`'s SecurityOptions (e.g. ["name=seccomp,profile=default", "name=userns"]) name a user remap. */
function remapsUsers(options: unknown): boolean {
  // An answer without the list says nothing either way: taken as remapped, the careful side.
  if (!Array.isArray(options)) return true;
  return options.some((option) => typeof option !== 'string' || /(^|,)name=(userns|rootless)(,|$)/.test(option));
}
