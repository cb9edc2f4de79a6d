import { lstat, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { extract, type Header } from 'tar-stream';
import type { ContainerInfo, EngineContainer } from '../engine/engine-client';
import { RUN_MOUNT } from '../engine/bottle-mounts';
import { findBottleContainer } from '../engine/bottle-containers';
import { openArchive, statContainerPath } from '../engine/container-files';
import { putFolders, ROOT_OWNER, type ArchiveEntry } from '../engine/container-archive';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { MapBottleCache } from '../base/bottle-caches';
import { settled } from '../base/settled';
import { ifExists, orIfMissing } from '../fs/if-exists';
import type { CoreDeps } from '../deps/core-deps';
import { answeredStem, isRequestName, requestFileName } from './inbox-files';
import { processInbox } from './process-inbox';
import { rebuildPaths } from '../state/state-paths';
import { MAX_REQUEST_BYTES } from './request-schema';
import { MAX_STATUS_FILE_BYTES } from '../../shared/agent-reports';
import { STATUS_FILE_NAME } from './agent-status';

/*
 * A bottle on a remote engine has its inbox inside its container: nothing of this machine is
 * mounted there. This brings it home through the engine's API (the archive endpoint): request files
 * are copied into the bottle's state inbox, where the same hostile-input code as for a local bottle
 * validates them, and the answers written there are put back into the container. What the agent
 * wrote is treated as hostile on the way in too: plain names only, regular files (a symlink is kept
 * as a link to nowhere, so validation reports it), at most a byte over the request cap read of each,
 * a bounded number of files and bytes per pass.
 */

export const CONTAINER_INBOX = `${RUN_MOUNT}/inbox`;
const MAX_FILES_PER_PASS = 2000;
const MAX_BYTES_PER_PASS = 4 * 1024 * 1024;

interface RemoteInbox {
  /** Request files by name: their content (regular files) or null (a symlink). */
  requests: Map<string, Buffer | null>;
  /** Stems answered inside the container. */
  answered: Set<string>;
  /** The agent's status file (issue 21), at most a byte over its cap; null: none, or not a regular file. */
  status: Buffer | null;
}

/**
 * What the last full read saw of each bottle's container inbox. The engine reports the folder's
 * mtime to the second: a file added in the same second as a read leaves it unchanged, so an
 * unchanged stamp is trusted only once a second read, a second or more after the first, saw it too.
 */
export interface Seen {
  stamp: string;
  readAt: number;
  confirmed: boolean;
}

/** What one core last saw of each remote bottle's container inbox (`CoreDeps.caches`). */
export class RemoteInboxStamps extends MapBottleCache<Seen> {
  get(identity: string): Seen | undefined {
    return this.entries.get(identity);
  }

  set(identity: string, seen: Seen): void {
    this.entries.set(identity, seen);
  }

  /** Every entry, for keeping them across processes (remote-inbox-stamp-file.ts). */
  all(): [string, Seen][] {
    return [...this.entries];
  }
}

const CONFIRM_AFTER_MS = 1100;

/*
 * One pass at a time per bottle in this process, whichever core asks: two passes at once would
 * mirror and answer the same inbox twice. Kept at module level because the rule is the process's,
 * not a core's; each entry is deleted when its pass settles, so nothing outlives the work.
 */
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(identity: string, work: () => Promise<T>): Promise<T> {
  const next = (queues.get(identity) ?? Promise.resolve()).then(work, work);
  const done = settled(next);
  queues.set(identity, done);
  void done.then(() => {
    if (queues.get(identity) === done) queues.delete(identity);
  });
  return next;
}

function plainName(entryName: string): string | null {
  const parts = posix.normalize(entryName).replace(/\/+$/, '').split('/');
  if (parts.length !== 2 || parts[0] !== 'inbox') return null;
  const name = parts[1] as string;
  return name === '' || name === '.' || name === '..' || name.includes('\0') || name.startsWith(TEMP_PREFIX) ? null : name;
}

/**
 * The inbox folder's modification time, from a HEAD request (no content moves), with the container's
 * id: a stamp kept across processes must not pass for a new container's inbox.
 */
async function inboxStamp(container: EngineContainer): Promise<string | null> {
  const stat = await statContainerPath(container, CONTAINER_INBOX);
  return stat === null ? null : `${container.id}/${stat.mtime}/${stat.size}`;
}

async function readRemoteInbox(container: EngineContainer): Promise<RemoteInbox | null> {
  const archive = await openArchive(container, CONTAINER_INBOX);
  if (archive === null) return null;
  const inbox: RemoteInbox = { requests: new Map(), answered: new Set(), status: null };
  let files = 0;
  let bytes = 0;
  const tar = extract();
  tar.on('entry', (header: Header, stream, next) => {
    const name = plainName(header.name);
    const done = (): void => {
      stream.resume();
      stream.once('end', next);
    };
    if (name === null || files >= MAX_FILES_PER_PASS) return done();
    const stem = answeredStem(name);
    if (stem !== null) {
      inbox.answered.add(stem);
      return done();
    }
    // The status file comes home too (read into the host's copy as for a local bottle); a link or
    // anything else under its name is left where it is, as the local reader would refuse it.
    const isStatus = name === STATUS_FILE_NAME && header.type === 'file';
    if (!isRequestName(name) && !isStatus) return done();
    if (!isStatus) files += 1;
    if (header.type === 'symlink') {
      inbox.requests.set(name, null);
      return done();
    }
    if (header.type !== 'file') return done();
    const chunks: Buffer[] = [];
    let kept = 0;
    // One byte over the cap is enough for validation to say the file is too large.
    const cap = (isStatus ? MAX_STATUS_FILE_BYTES : MAX_REQUEST_BYTES) + 1;
    stream.on('data', (chunk: unknown) => {
      if (!Buffer.isBuffer(chunk)) return;
      const room = Math.min(cap - kept, MAX_BYTES_PER_PASS - bytes);
      if (room <= 0) return;
      const part = chunk.subarray(0, room);
      chunks.push(part);
      kept += part.length;
      bytes += part.length;
    });
    stream.once('end', () => {
      if (isStatus) inbox.status = Buffer.concat(chunks);
      else inbox.requests.set(name, Buffer.concat(chunks));
      next();
    });
  });
  // Done once the tar is read and the engine's answer is over too: the connection goes back to the
  // pool only at the answer's end, and the pass's next request would otherwise open another.
  await new Promise<void>((resolve, reject) => {
    let tarDone = false;
    let answerDone = false;
    const check = (): void => {
      if (tarDone && answerDone) resolve();
    };
    tar.once('finish', () => {
      tarDone = true;
      check();
    });
    const over = (): void => {
      answerDone = true;
      check();
    };
    archive.once('end', over);
    archive.once('close', over);
    tar.once('error', reject);
    archive.once('error', reject);
    archive.pipe(tar);
  });
  return inbox;
}

/** Makes the state inbox hold exactly the container's request files (our answers stay). */
async function mirrorRequests(inboxDir: string, remote: RemoteInbox): Promise<void> {
  const local = await orIfMissing(readdir(inboxDir), [] as string[]);
  for (const name of local) {
    if (!isRequestName(name) || remote.requests.has(name)) continue;
    await rm(join(inboxDir, name), { force: true });
  }
  for (const [name, content] of remote.requests) {
    const path = join(inboxDir, name);
    const existing = await ifExists(lstat(path));
    if (content === null) {
      if (existing?.isSymbolicLink() === true) continue;
      await rm(path, { recursive: true, force: true });
      // A link to nowhere: validation sees (and reports) a symlink, and nothing can follow it.
      await symlink('/nonexistent/remote-symlink', path);
      continue;
    }
    if (existing?.isFile() === true && existing.size === content.length && (await readFile(path)).equals(content)) continue;
    await rm(path, { recursive: true, force: true });
    await writeFileAtomic(path, content, 0o600);
  }
}

/** The container's status file, copied into the state inbox when it differs (the host reads it from there). */
async function mirrorStatus(inboxDir: string, remote: RemoteInbox): Promise<void> {
  if (remote.status === null) return;
  const path = join(inboxDir, STATUS_FILE_NAME);
  const existing = await ifExists(lstat(path));
  if (existing?.isFile() === true && existing.size === remote.status.length && (await readFile(path)).equals(remote.status)) return;
  await rm(path, { recursive: true, force: true });
  await writeFileAtomic(path, remote.status, 0o600);
}

/** Answers written in the state inbox for requests still waiting in the container go in; whether any did. */
async function deliverAnswers(container: EngineContainer, inboxDir: string, remote: RemoteInbox): Promise<boolean> {
  const answers = (await orIfMissing(readdir(inboxDir), [] as string[])).filter((name) => {
    const stem = answeredStem(name);
    return stem !== null && remote.requests.has(requestFileName(stem)) && !remote.answered.has(stem);
  });
  if (answers.length === 0) return false;
  // Each answer is a file of root's the agent can read (0444, as the local inbox's 0644 answer
  // reads to it) but not rewrite: the operator's word reaches the agent as the operator wrote it.
  const entries = await Promise.all(
    answers.map(async (name): Promise<ArchiveEntry> => ({
      target: `${CONTAINER_INBOX}/${name}`,
      type: 'file',
      content: await readFile(join(inboxDir, name)),
      mode: 0o444,
      owner: ROOT_OWNER,
    })),
  );
  await putFolders(container, [], ROOT_OWNER, entries);
  return true;
}

/**
 * One pass over a remote bottle's inbox: skipped (one HEAD request) when the container's inbox did
 * not change since the last pass, unless `force`. Returns whether what the bottle shows changed.
 * `ctx` works on the bottle's engine. `listed`: its container (or null: none) as a listing of the
 * engine found it during this pass over every bottle, so the pass asks the engine once, not once
 * per bottle; without it the container is looked up here. `settleHere`: how the state folder is
 * settled when the container brings nothing home (no container, no inbox there): processInbox, unless
 * the caller knows the folder has nothing for it.
 */
export function syncRemoteInbox(
  ctx: CoreDeps,
  identity: string,
  options: { force?: boolean; listed?: () => Promise<ContainerInfo | null>; settleHere?: () => Promise<boolean> } = {},
): Promise<boolean> {
  // With nothing to bring home, the state folder is settled as it is.
  const settleHere = options.settleHere ?? ((): Promise<boolean> => processInbox(identity));
  return serialized(identity, async () => {
    const info = await (options.listed?.() ?? findBottleContainer(ctx.docker, identity));
    if (info === null) return settleHere();
    const container = ctx.docker.getContainer(info.Id);
    const stamp = await inboxStamp(container);
    if (stamp === null) return settleHere();
    const stamps = ctx.caches.of(RemoteInboxStamps);
    const seen = stamps.get(identity);
    const now = Date.now();
    if (options.force !== true && seen?.stamp === stamp && (seen.confirmed || now - seen.readAt < CONFIRM_AFTER_MS)) return false;
    const remote = await readRemoteInbox(container);
    if (remote === null) return settleHere();
    const inboxDir = rebuildPaths(identity).inbox;
    await mirrorRequests(inboxDir, remote);
    await mirrorStatus(inboxDir, remote);
    const changed = await processInbox(identity);
    // Read again after delivering: our own answers moved the folder's mtime. With nothing delivered
    // the stamp taken before the read stands (one request less), and it is the safer one: a request
    // written while the inbox was read moved the folder after it, so the next pass reads it.
    const after = (await deliverAnswers(container, inboxDir, remote)) ? await inboxStamp(container) : stamp;
    if (after !== null)
      stamps.set(identity, { stamp: after, readAt: now, confirmed: seen?.stamp === after && now - seen.readAt >= CONFIRM_AFTER_MS });
    return changed;
  });
}
