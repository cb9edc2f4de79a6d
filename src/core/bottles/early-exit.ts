import { existsSync } from 'node:fs';
import type { EarlyExitView } from '../../shared/bottle-view';
import { writeFileAtomic } from '../fs/atomic-write';
import { parseJson } from '../base/parse-json';
import { readSmallFileSync } from '../fs/read-small-file';
import type { CoreDeps } from '../deps/core-deps';
import { MapBottleCache } from '../base/bottle-caches';
import { redactSecrets } from '../base/core-log';
import { bottlePaths, stateDir } from '../state/state-paths';
import { exitReason } from './exit-reason';
import { noteTimeline } from '../timeline/note-timeline';

/** An agent that exits within this long of its start "exited on start" (no network, no login). */
export const EARLY_EXIT_SECONDS = 60;
const TAIL_LINES = 12;
const MAX_LINE_CHARS = 240;

/**
 * Exit codes of a process ended by a signal from outside (128 + SIGHUP, SIGINT, SIGKILL, SIGTERM):
 * `docker stop` or `kill`, or the engine stopping its containers as it shuts down or restarts.
 */
const OUTSIDE_SIGNAL_EXIT_CODES: ReadonlySet<number> = new Set([129, 130, 137, 143]);

/**
 * Containers one core found ended by an outside signal, by bottle (`CoreDeps.caches`): nothing is
 * recorded beside the bottle for them (losing the engine leaves the state folder as it was), and
 * each is inspected once while the core runs and the bottle exists.
 */
export class EarlyExits extends MapBottleCache<Set<string>> {
  endedBySignal(identity: string, containerId: string): boolean {
    return this.entries.get(identity)?.has(containerId) === true;
  }

  noteSignal(identity: string, containerId: string): void {
    const containers = this.entries.get(identity) ?? new Set<string>();
    containers.add(containerId);
    this.entries.set(identity, containers);
  }

  override size(): number {
    let count = 0;
    for (const containers of this.entries.values()) count += containers.size;
    return count;
  }
}

/** One per bottle, naming the container it describes, so each exit is read from Docker once. */
interface EarlyExitRecord {
  containerId: string;
  early: EarlyExitView | null;
}

function readRecord(identity: string): EarlyExitRecord | null {
  const read = readSmallFileSync(bottlePaths(identity).earlyExit, 64 * 1024);
  // No record yet (the usual case) or one that is no small file of ours: read the exit from Docker
  // again (the record only saves asking it twice).
  if (read.kind !== 'ok') return null;
  // A damaged record (not JSON, or not ours): the same.
  const record = parseJson(read.text) as Partial<EarlyExitRecord> | null | undefined;
  return typeof record?.containerId === 'string' ? { containerId: record.containerId, early: record.early ?? null } : null;
}

/** A non-TTY container's log is multiplexed: 8-byte frame headers before each chunk. */
function demultiplex(buffer: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks);
}

/** The last readable lines of a terminal's output: escapes, carriage-return redraws and secrets gone. */
export function cleanOutputTail(text: string, count = TAIL_LINES): string[] {
  const lines = text
    // CSI and OSC sequences, then any other escape or control character but tab and newline.
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/\x1b./g, '')
    .split('\n')
    .map((line) =>
      (
        line
          .split('\r')
          .filter((part) => part.trim() !== '')
          .pop() ?? ''
      )
        .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
        .trimEnd(),
    )
    .filter((line) => line.trim() !== '');
  return lines.slice(-count).map((line) => redactSecrets(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line));
}

/**
 * True when the container was ended by a signal from outside rather than exiting by itself: no
 * failure of the agent, however soon after its start. A kill by the memory limit is the agent's.
 */
export function endedByOutsideSignal(exitCode: number | null, oomKilled: boolean): boolean {
  return !oomKilled && exitCode !== null && OUTSIDE_SIGNAL_EXIT_CODES.has(exitCode);
}

/** A start or exit time the engine has not set: Go's zero time (`0001-01-01T00:00:00Z`). */
const UNSET_TIME_MS = Date.parse('1970-01-02T00:00:00Z');
/** How far FinishedAt may lie before StartedAt and still be one fast exit (see ranForMs). */
const CLOCK_RACE_MS = 1000;

/**
 * How long a container ran, from the engine's StartedAt and FinishedAt; null when that cannot be
 * told. Docker notes the exit of a process that ends at once before it notes its start: on this
 * engine about one fast exit in four has FinishedAt a millisecond or two BEFORE StartedAt. That is
 * a run of no time at all, not an unknown one (read as unknown, the agent's early exit was recorded
 * as "not early" for good, and the card never said why it exited).
 */
export function ranForMs(startedAt: string, finishedAt: string): number | null {
  const started = Date.parse(startedAt);
  const finished = Date.parse(finishedAt);
  if (!Number.isFinite(started) || !Number.isFinite(finished) || started < UNSET_TIME_MS || finished < UNSET_TIME_MS) return null;
  const ran = finished - started;
  if (ran < -CLOCK_RACE_MS) return null;
  return Math.max(0, ran);
}

/** A container that exited by itself after its first minute: only its exit code is kept. */
interface LateExit {
  late: true;
  exitCode: number | null;
}

async function readEarlyExit(ctx: CoreDeps, containerId: string): Promise<EarlyExitView | LateExit | null | 'signal' | 'not-exited'> {
  const container = ctx.docker.getContainer(containerId);
  const info = await container.inspect();
  if (info.State.Running || info.State.Status !== 'exited') return 'not-exited';
  if (endedByOutsideSignal(info.State.ExitCode ?? null, info.State.OOMKilled === true)) return 'signal';
  const ranMs = ranForMs(info.State.StartedAt, info.State.FinishedAt);
  if (ranMs === null) return null;
  if (ranMs > EARLY_EXIT_SECONDS * 1000) return { late: true, exitCode: info.State.ExitCode ?? null };
  const raw = await container.logs({ tail: 100 });
  const text = (info.Config.Tty ? raw : demultiplex(raw)).toString('utf8');
  const lines = cleanOutputTail(text);
  const exitCode = info.State.ExitCode ?? null;
  return { exitCode, seconds: Math.round(ranMs / 1000), reason: exitReason(exitCode, info.State.OOMKilled === true, lines), lines };
}

/**
 * For an exited container: what the agent said last and why, when it exited by itself within its
 * first minute; null otherwise. Read from Docker once per container and kept beside the bottle's
 * state, so every surface (card, `show`, `ls --json`) shows it, with or without a running app.
 */
export async function earlyExitOf(ctx: CoreDeps, identity: string, containerId: string): Promise<EarlyExitView | null> {
  const exits = ctx.caches.of(EarlyExits);
  if (exits.endedBySignal(identity, containerId)) return null;
  const recorded = readRecord(identity);
  if (recorded?.containerId === containerId) return recorded.early;
  // Our own stop or approval is taking it down: that is no failure of the agent.
  if (ctx.activity.isBusy(identity)) return null;
  let read: EarlyExitView | LateExit | null | 'signal' | 'not-exited';
  try {
    read = await readEarlyExit(ctx, containerId);
  } catch (error: unknown) {
    // Every engine failure is meant here (removed meanwhile, the engine not answering): the early
    // exit is only a hint beside the exit code, which the card shows anyway, nothing is recorded,
    // and the next refresh asks again. Failing the view would hide every bottle for a hint.
    return null;
  }
  // Asked about a container the engine does not call exited (yet, or any more: restarted): nothing
  // to record, or a later exit of the same container would be read as "not early" for good.
  if (read === 'not-exited') return null;
  if (read === 'signal') {
    // Stopped or killed from outside (by hand, or by the engine going down): the card shows the
    // plain exit code, and the state folder is left as it was.
    exits.noteSignal(identity, containerId);
    return null;
  }
  const early = read !== null && 'late' in read ? null : read;
  // Only beside an existing bottle's state (never creating a folder for an orphan container).
  if (existsSync(stateDir(identity))) {
    await writeFileAtomic(bottlePaths(identity).earlyExit, `${JSON.stringify({ containerId, early } satisfies EarlyExitRecord)}\n`);
    // Once per container: the record just written answers every later look. A late exit is on the
    // timeline too (its code only), so every exit the agent made by itself is there.
    const event = early !== null ? { code: early.exitCode, reason: early.reason } : read !== null ? { code: read.exitCode } : null;
    if (event !== null) await noteTimeline(identity, { kind: 'exit', by: 'agent', ...event }, (message) => process.emitWarning(message));
  }
  return early;
}
