import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { isValidIdentity } from '../../shared/identity';
import type { ContainerInfo, EngineContainer } from '../engine/engine-client';
import { isOwnContainer, LABEL_IDENTITY, listBottleContainers } from '../engine/bottle-containers';
import { putFolders, type ArchiveEntry } from '../engine/container-archive';
import { readContainerFile, statContainerPath } from '../engine/container-files';
import { resolveUser } from '../engine/container-user';
import { isConnectionError } from '../engine/docker-client';
import { isEngineNotFound } from '../engine/if-engine-object-exists';
import { cachedImagePasswd, readAndCacheImagePasswd } from '../engine/image-users';
import type { CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import { orIfMissing } from '../fs/if-exists';
import { credentialsRoot, imageCacheDir } from '../state/state-paths';
import { isNewer, type CredentialVersion } from './credential-freshness';
import { pickupTargets, type PickupTarget } from './credential-pickup';
import { CREDENTIAL_SET_PATTERN } from '../agents/agent-options';
import { markSignedInAgain, MAX_SECRET_BYTES, offerSecretFile, readStoredFile, setFingerprint } from './credential-store';

/** How often running bottles are looked at: a login shows up within a few seconds. */
export const SYNC_INTERVAL_MS = 2000;

interface SeenFile {
  /** size:mtime as the engine reports it; the file is read again only when this changes. */
  key: string;
  version: CredentialVersion | null;
}

interface Tracked {
  identity: string;
  createdMs: number;
  targets: PickupTarget[];
  seen: Map<string, SeenFile>;
  /** The agent's run uid:gid, for files put into it; looked up on first need. */
  owner: { uid: number; gid: number } | null;
}

export interface CredentialSyncHooks {
  /** A set's stored logins changed (a bottle's login or refresh, or another process). */
  changed(set: string): void;
  failure(what: string, error: unknown): void;
}

function digest(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * The live core's side of "sign in once": one loop over every running bottle whose agent keeps a
 * login file. A login or refresh made inside a bottle reaches the store within a few seconds
 * (newest wins), and a newer stored login reaches every other running bottle, so none is left
 * holding a token that a refresh elsewhere revoked. Each tick costs one container listing and one
 * stat per login file; a file is read only when its size or time changed.
 */
export class CredentialSync {
  private readonly tracked = new Map<string, Tracked | null>();
  private readonly fingerprints = new Map<string, string>();
  /** Sets present when the loop started are compared from then; a set made later is new. */
  private baselined = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  /**
   * `engines` gives the dependencies on each engine whose running bottles are looked at (every engine
   * that has bottles, in the live core); by default, the one `ctx` works on.
   */
  private readonly engines: () => CoreDeps[];

  constructor(
    ctx: CoreDeps,
    private readonly hooks: CredentialSyncHooks,
    engines?: () => CoreDeps[],
  ) {
    this.engines = engines ?? ((): CoreDeps[] => [ctx]);
  }

  start(): void {
    if (this.timer !== null) return;
    // A pass that fails (the store unreadable) is reported; the next tick tries again.
    this.timer = setInterval(
      () => void this.tick().catch((error: unknown) => this.hooks.failure('Could not check the stored logins', error)),
      SYNC_INTERVAL_MS,
    );
    // The loop alone must not keep a process (serve, a test) alive.
    this.timer.unref();
  }

  /** One pass now (also what the timer runs); a pass already running is joined, not doubled. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the loop; a pass in flight finishes on its own (it holds nothing open). */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async storedSets(): Promise<string[]> {
    // No store yet: no set. One the host cannot list fails the pass, which is reported.
    return (await orIfMissing(readdir(credentialsRoot()), [] as string[])).filter((name) => CREDENTIAL_SET_PATTERN.test(name));
  }

  private async pass(): Promise<void> {
    if (!this.baselined) {
      for (const set of await this.storedSets()) this.fingerprints.set(set, digest(Buffer.from(await setFingerprint(set))));
      this.baselined = true;
    }
    const containers: { ctx: CoreDeps; info: ContainerInfo }[] = [];
    let listed = false;
    for (const ctx of this.engines()) {
      try {
        // Another instance's bottles share the engine, never this store's logins.
        for (const info of await listBottleContainers(ctx.docker))
          if (info.State === 'running' && isOwnContainer(info.Labels)) containers.push({ ctx, info });
        listed = true;
      } catch (error: unknown) {
        // The engine is away: the engine status already says so; the next tick tries again.
        if (!isConnectionError(error)) this.hooks.failure('Could not list bottles to pick up logins', error);
      }
    }
    if (!listed) return;
    const live = new Set(containers.map(({ info }) => info.Id));
    for (const id of [...this.tracked.keys()]) if (!live.has(id)) this.tracked.delete(id);
    const sets = new Set<string>();
    for (const { ctx, info } of containers) {
      const tracked = await this.track(ctx, info);
      if (tracked === null) continue;
      const container = ctx.docker.getContainer(info.Id);
      for (const target of tracked.targets) {
        sets.add(target.set);
        try {
          await this.syncFile(container, tracked, target);
        } catch (error: unknown) {
          // Stopped or removed between the listing and now: nothing to do for it.
          if (isEngineNotFound(error) || isConnectionError(error)) continue;
          this.hooks.failure(`Could not sync the login of ${tracked.identity}`, error);
        }
      }
    }
    // Every set in the store too: a sign-out or a CLI's pickup shows with no bottle running.
    for (const set of await this.storedSets()) sets.add(set);
    for (const set of sets) await this.noticeStoreChange(set);
  }

  /** A running container's bottle, loaded once per container; null when its agent keeps no login. */
  private async track(ctx: CoreDeps, info: ContainerInfo): Promise<Tracked | null> {
    if (this.tracked.has(info.Id)) return this.tracked.get(info.Id) ?? null;
    const identity = info.Labels[LABEL_IDENTITY];
    let tracked: Tracked | null = null;
    if (identity !== undefined && isValidIdentity(identity)) {
      try {
        const bottle = await ctx.loadBottle(identity);
        const targets = pickupTargets(bottle.agent);
        // The listing's creation time is in whole seconds; a sign-out is compared to the exact one.
        const createdMs = targets.length > 0 ? Date.parse((await ctx.docker.getContainer(info.Id).inspect()).Created) : 0;
        if (targets.length > 0) tracked = { identity, createdMs, targets, seen: new Map(), owner: null };
      } catch (error: unknown) {
        // The engine lost meanwhile: not remembered, the next pass looks again.
        if (isConnectionError(error)) return null;
        // An orphan, a corrupt bottle, an agent gone or changed (each a BottleError the bottle's own
        // card shows), or the container gone (404): it has no login we can place. Anything else is
        // said once: the login of that bottle is then not kept in sync.
        if (!(error instanceof BottleError) && !isEngineNotFound(error))
          this.hooks.failure(`Could not sync the login of ${identity}`, error);
        tracked = null;
      }
    }
    this.tracked.set(info.Id, tracked);
    return tracked;
  }

  private async syncFile(container: EngineContainer, tracked: Tracked, target: PickupTarget): Promise<void> {
    const stat = await statContainerPath(container, target.path);
    const key = stat === null ? 'absent' : `${stat.size}:${stat.mtimeMs}:${stat.isFile ? 'f' : 'x'}`;
    let seen = tracked.seen.get(target.name);
    if (seen?.key !== key) {
      // Recorded before the read: a file that cannot be read (too large) is reported once, not every tick.
      seen = { key, version: null };
      tracked.seen.set(target.name, seen);
      const file = stat?.isFile === true ? await readContainerFile(container, target.path, MAX_SECRET_BYTES) : null;
      seen.version = file;
      if (file !== null) {
        const result = await offerSecretFile(target.set, target.name, file, { containerId: container.id, createdMs: tracked.createdMs });
        if (result === 'stored') await this.noticeStoreChange(target.set);
      }
    }
    // Newest wins the other way too: a newer stored login replaces this bottle's older copy.
    const stored = await readStoredFile(target.set, target.name);
    if (stored === null || (seen.version !== null && (stored.content.equals(seen.version.content) || !isNewer(stored, seen.version))))
      return;
    if (stat !== null && !stat.isFile) return;
    await this.putLogin(container, tracked, target, stored, stat === null);
    seen.version = stored;
    await markSignedInAgain(target.set, container.id);
  }

  private async putLogin(
    container: EngineContainer,
    tracked: Tracked,
    target: PickupTarget,
    login: CredentialVersion,
    absent: boolean,
  ): Promise<void> {
    tracked.owner ??= await this.runOwner(container);
    const entries: ArchiveEntry[] = [];
    // A config folder the agent has not made yet would otherwise be created by the engine as root.
    const folder = posix.dirname(target.path);
    if (absent && (await statContainerPath(container, folder)) === null) entries.push({ target: folder, type: 'directory', mode: 0o755 });
    entries.push({ target: target.path, type: 'file', content: login.content, mode: 0o600, mtime: new Date(login.mtimeMs) });
    await putFolders(container, [], tracked.owner, entries);
  }

  /** The uid:gid the agent runs as, from the container's User and its image's passwd. */
  private async runOwner(container: EngineContainer): Promise<{ uid: number; gid: number }> {
    const info = await container.inspect();
    const passwd =
      (await cachedImagePasswd(imageCacheDir(), info.Image)) ?? (await readAndCacheImagePasswd(imageCacheDir(), info.Image, container));
    const { uid, gid } = resolveUser(info.Config.User || null, passwd);
    return { uid, gid };
  }

  /** Tells the hooks once per change of a set, whoever made it (this loop, a CLI, a sign-out). */
  private async noticeStoreChange(set: string): Promise<void> {
    const fingerprint = digest(Buffer.from(await setFingerprint(set)));
    const previous = this.fingerprints.get(set);
    this.fingerprints.set(set, fingerprint);
    if (previous !== fingerprint) this.hooks.changed(set);
  }
}
