import type { NetworkLogEntry } from '../../shared/network-view';
import { errorMessage } from '../base/bottle-error';
import { settled } from '../base/settled';
import type { RecordPosition } from '../state/network-cursor';
import type { BacklogHeader } from './engine-gateway';

/*
 * One engine's gateway records on their way to the bottles' logs, in the gateway's order (issue 19,
 * "every connection on the record"). The gateway numbers each record and keeps it until the
 * recorder acknowledges it; this core, when it records, writes a record only when it is the next
 * after the last one written (its cursor), skips one it has written already (replayed and also
 * received live), and for a gap (records it never heard: none read the stream then, or the stream
 * dropped lines) or a restarted gateway (another epoch) asks for a replay, which brings them in
 * order. The cursor is saved after the records it covers, and only then acknowledged.
 *
 * Everything runs on one chain, in the order the stream delivered it: each decision sees the
 * position the ones before left.
 */

export interface RecordSequenceDeps {
  /** Whether this core writes the records (it holds the recorder lock, or takes it now). */
  isRecorder(): Promise<boolean>;
  readCursor(): Promise<RecordPosition | null>;
  writeCursor(position: RecordPosition): Promise<void>;
  /** Appends one entry to a bottle's log; false when the bottle is gone (removed meanwhile): nothing is written. */
  write(identity: string, entry: NetworkLogEntry): Promise<boolean>;
  /** An entry is on the record (or, in a core that does not record, heard): windows are told. */
  logged(identity: string, entry: NetworkLogEntry): void;
  /** Asks the gateway for what follows `position`; false when no stream is open. */
  replay(position: RecordPosition | null): boolean;
  ack(position: RecordPosition): void;
  warn(message: string): void;
}

/** The cursor is saved this long after a record, so a burst of records costs one write. */
const SAVE_DELAY_MS = 250;

/** The line a bottle's log gets for records the gateway dropped before any core could write them. */
export function lostEntry(count: number, time: Date = new Date()): NetworkLogEntry {
  return {
    time: time.toISOString(),
    event: 'lost',
    host: '',
    port: 0,
    protocol: 'connect',
    decision: 'deny',
    by: 'limit',
    reason: `${count} connection record${count === 1 ? '' : 's'} lost: the gateway's backlog was full while no app or serve was recording`,
    bytesUp: 0,
    bytesDown: 0,
  };
}

export class RecordSequence {
  private chain: Promise<void> = Promise.resolve();
  /** The last record accepted (written, or on its way); undefined until read from the cursor, null when there is none. */
  private position: RecordPosition | null | undefined = undefined;
  private saved: RecordPosition | null = null;
  /** A replay was asked for on the open stream and its header has not come. */
  private awaiting = false;
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RecordSequenceDeps) {}

  /** A connection record from the stream, numbered (`at`) or not (an older gateway's: written as it comes). */
  received(identity: string, entry: NetworkLogEntry, at: RecordPosition | null): void {
    this.enqueue(() => this.take(identity, entry, at));
  }

  /** A stream opened (ask for what was missed) or ended (a replay asked on it will not come). */
  stream(open: boolean): void {
    this.enqueue(async () => {
      this.awaiting = false;
      if (open && (await this.deps.isRecorder())) await this.catchUp();
    });
  }

  backlog(header: BacklogHeader): void {
    this.enqueue(() => this.start(header));
  }

  /** Saves the cursor for everything accepted so far and acknowledges it; resolves when all before it is done. */
  flush(): Promise<void> {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.enqueue(() => this.save());
    return settled(this.chain);
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = settled(this.chain).then(step);
    this.chain.catch((error: unknown) => this.deps.warn(`network record: ${errorMessage(error)}`));
  }

  private async take(identity: string, entry: NetworkLogEntry, at: RecordPosition | null): Promise<void> {
    if (!(await this.deps.isRecorder())) {
      // Another core records (and keeps the cursor): this one's position is stale once it takes over.
      this.position = undefined;
      this.deps.logged(identity, entry);
      return;
    }
    if (at === null) return this.append(identity, entry);
    if (this.position === undefined) await this.load();
    const position = this.position ?? null;
    if (position !== null && at.epoch === position.epoch) {
      if (at.seq <= position.seq) return; // on the record already: replayed and received live
      if (at.seq === position.seq + 1) {
        this.position = at;
        await this.append(identity, entry);
        this.scheduleSave();
        return;
      }
    }
    // Records before this one were never heard (a gap), or the gateway restarted: a replay brings
    // them, this one among them, in order.
    if (!this.awaiting) this.awaiting = this.deps.replay(position);
  }

  /** Where a replay starts: the position moves there (a new epoch: from its start), and each bottle's loss is on its log. */
  private async start(header: BacklogHeader): Promise<void> {
    this.awaiting = false;
    if (!(await this.deps.isRecorder())) return;
    if (this.position === undefined) await this.load();
    const position = this.position ?? null;
    const written = position !== null && position.epoch === header.epoch ? position.seq : 0;
    this.position = { epoch: header.epoch, seq: Math.max(written, header.from - 1) };
    for (const { identity, count } of header.dropped) await this.append(identity, lostEntry(count));
    this.scheduleSave();
  }

  /** A core that just became the recorder asks for everything after its cursor. */
  private async catchUp(): Promise<void> {
    if (this.position === undefined) await this.load();
    if (!this.awaiting) this.awaiting = this.deps.replay(this.position ?? null);
  }

  private async load(): Promise<void> {
    try {
      this.position = await this.deps.readCursor();
    } catch (error: unknown) {
      // Asking for everything the gateway keeps may write some records twice; none is lost.
      this.deps.warn(`network record cursor unreadable, replaying all the gateway keeps: ${errorMessage(error)}`);
      this.position = null;
    }
    this.saved = this.position;
  }

  private async append(identity: string, entry: NetworkLogEntry): Promise<void> {
    try {
      if (await this.deps.write(identity, entry)) this.deps.logged(identity, entry);
    } catch (error: unknown) {
      // The sequence goes on: one bottle's unwritable log (or its removal) must not stop the others'.
      this.deps.warn(`network record of ${identity}: ${errorMessage(error)}`);
    }
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.enqueue(() => this.save());
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  private async save(): Promise<void> {
    const position = this.position;
    if (position === undefined || position === null) return;
    if (this.saved?.epoch !== position.epoch || this.saved.seq !== position.seq) {
      await this.deps.writeCursor(position);
      this.saved = position;
    }
    this.deps.ack(position);
  }
}
