import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineContainer } from '../engine/engine-client';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { bottlePaths } from '../state/state-paths';
import type { CredentialHolder } from './agent-secrets';
import { moveSnapshotSecretsToStore, pickUpSecretFiles, pickupTargets } from './credential-pickup';

/*
 * The one-time migration of issue 20. Before it, a bottle held the real login and the core took it
 * back into the store; now nothing flows back from a bottle. A bottle made before keeps a login in
 * its old container or its transcript snapshot: at its first resume that login moves to the store
 * (newest wins, the old freshness rule), ONCE; the bottle's folder then records it, and no file of
 * that bottle is read into the store again. A bottle made since is recorded at its first launch.
 *
 * The record is a file beside metadata.json (DESIGN.md §2: metadata.json keeps exactly the five
 * keys the Python CLI reads; extra data of ours goes beside it).
 */

interface MigrationRecord {
  at: string;
}

export async function isCredentialsMigrated(identity: string): Promise<boolean> {
  return (await ifExists(lstat(bottlePaths(identity).credentialsMigrated))) !== null;
}

export async function markCredentialsMigrated(identity: string): Promise<void> {
  if (await isCredentialsMigrated(identity)) return;
  const record: MigrationRecord = { at: new Date().toISOString() };
  await writeFileAtomic(bottlePaths(identity).credentialsMigrated, `${JSON.stringify(record)}\n`, 0o644);
}

/** An old bottle's container (exited, about to be replaced by a resume): its login moves to the store, if it was never migrated. */
export async function migrateContainerLogin(identity: string, container: EngineContainer, agent: CredentialHolder): Promise<void> {
  if (await isCredentialsMigrated(identity)) return;
  await pickUpSecretFiles(container, agent);
}

/**
 * A snapshot's login files: moved to the store when the bottle was never migrated; once it was,
 * deleted unread (no snapshot is saved with one since; one found there was put there by hand).
 * Either way none stays in the state folder, nor goes into the container.
 */
export async function migrateSnapshotLogin(identity: string, snapshotDir: string, agent: CredentialHolder): Promise<void> {
  if (!(await isCredentialsMigrated(identity))) {
    await moveSnapshotSecretsToStore(snapshotDir, agent);
    return;
  }
  for (const target of pickupTargets(agent)) await rm(join(snapshotDir, target.name), { recursive: true, force: true });
}
