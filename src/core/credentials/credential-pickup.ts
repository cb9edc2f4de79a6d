import { lstat, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { EngineContainer } from '../engine/engine-client';
import { readContainerFile } from '../engine/container-files';
import { ifExists } from '../fs/if-exists';
import { credentialSetOf, type CredentialHolder } from './agent-secrets';
import { MAX_SECRET_BYTES, offerSecretFile, type OfferResult } from './credential-store';

export interface PickupTarget {
  set: string;
  name: string;
  /** Absolute path in the container. */
  path: string;
}

/** The secret files an agent keeps in its config folder, where they are in its containers. */
export function pickupTargets(agent: CredentialHolder): PickupTarget[] {
  const { transcriptDir, secretFiles } = agent.config;
  if (transcriptDir === null) return [];
  const set = credentialSetOf(agent);
  return secretFiles.map((name) => ({ set, name, path: posix.join(transcriptDir, name) }));
}

/**
 * Takes the login files out of a bottle's container (running or exited) into the store, newest
 * wins: the last chance for a login or refresh made inside it, run before the container goes
 * (stop, remove, approve, resume of an exited one). Returns whether the store changed.
 */
export async function pickUpSecretFiles(container: EngineContainer, agent: CredentialHolder): Promise<boolean> {
  const targets = pickupTargets(agent);
  if (targets.length === 0) return false;
  const createdMs = Date.parse((await container.inspect()).Created);
  let changed = false;
  for (const target of targets) {
    const file = await readContainerFile(container, target.path, MAX_SECRET_BYTES);
    if (file === null) continue;
    const result: OfferResult = await offerSecretFile(target.set, target.name, file, { containerId: container.id, createdMs });
    if (result === 'stored') changed = true;
  }
  return changed;
}

/**
 * A snapshot saved before secret files were kept out of snapshots may hold a login: it moves to
 * the store (newest wins) and leaves the state folder, before the snapshot goes into a container.
 */
export async function moveSnapshotSecretsToStore(snapshotDir: string, agent: CredentialHolder): Promise<void> {
  for (const target of pickupTargets(agent)) {
    const path = join(snapshotDir, target.name);
    const info = await ifExists(lstat(path));
    if (info === null) continue;
    if (info.isFile() && info.size <= MAX_SECRET_BYTES) {
      // Created "before" any sign-out it predates: a login the operator signed out of stays out.
      await offerSecretFile(
        target.set,
        target.name,
        { content: await readFile(path), mtimeMs: info.mtimeMs },
        { containerId: '', createdMs: info.mtimeMs },
      );
    }
    await rm(path, { recursive: true, force: true });
  }
}
