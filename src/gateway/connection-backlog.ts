/**
 * The gateway's record of connections no core has acknowledged yet (issue 19, "every connection on
 * the record"): a connection that ends while no live core reads the control stream (the operator
 * runs only the CLI, or closed the app for the night) is kept here until the recorder core asks for
 * it (`replay`) and says it wrote it (`ack`). Each recordable connection (`refused` or `end`, from a
 * known bottle) gets the next sequence number of this process's epoch, a random id per start, so a
 * core can tell a restarted gateway (new epoch: take everything) from one it already read.
 *
 * Bounded (records and bytes): past the bound the oldest records are dropped, and each bottle's
 * count of what was lost is kept (as runs of sequence numbers, themselves bounded) so the replay can
 * say how many records of which bottle the core will never see.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionRecord, ControlOut } from './control-protocol';

export interface BacklogLimits {
  maxRecords: number;
  maxBytes: number;
}

export const DEFAULT_BACKLOG_LIMITS: BacklogLimits = { maxRecords: 5000, maxBytes: 2 * 1024 * 1024 };
/** Runs of dropped records remembered; past it the oldest runs are folded into per-bottle totals. */
const MAX_LOST_RUNS = 10_000;
/** Bottles named in one replay header's `dropped` (1,000 identities of 128 characters fit a control line easily). */
export const MAX_DROPPED_BOTTLES = 1000;

export type SequencedRecord = Extract<ControlOut, { type: 'connection' }> & { epoch: string; seq: number };

interface Kept {
  message: SequencedRecord;
  identity: string;
  bytes: number;
}

/** Dropped records of one bottle with consecutive sequence numbers. */
interface LostRun {
  identity: string;
  first: number;
  last: number;
}

/** Whether the core writes this record (and so whether it is sequenced and kept): `start` is a live notice only. */
export function isRecordable(record: ConnectionRecord): record is ConnectionRecord & { identity: string } {
  return record.event !== 'start' && record.identity !== null;
}

export class ConnectionBacklog {
  readonly epoch = randomBytes(8).toString('hex');
  private nextSeq = 1;
  /** Kept records, oldest first, from index `head` (shifting a long array on every drop is quadratic). */
  private kept: Kept[] = [];
  private head = 0;
  private bytes = 0;
  /** The highest sequence acknowledged: everything up to it is on the record. */
  private ackedThrough = 0;
  private lostRuns: LostRun[] = [];
  /** Runs folded away past MAX_LOST_RUNS: per bottle, reported to any core that asks from before `foldedThrough`. */
  private readonly folded = new Map<string, number>();
  private foldedThrough = 0;

  constructor(private readonly limits: BacklogLimits = DEFAULT_BACKLOG_LIMITS) {}

  /** Numbers and keeps a recordable connection; returns the message every stream gets. */
  add(record: ConnectionRecord & { identity: string }): SequencedRecord {
    const message: SequencedRecord = { type: 'connection', ...record, epoch: this.epoch, seq: this.nextSeq++ };
    const bytes = JSON.stringify(message).length + 1;
    this.kept.push({ message, identity: record.identity, bytes });
    this.bytes += bytes;
    while (this.size() > this.limits.maxRecords || (this.bytes > this.limits.maxBytes && this.size() > 0)) this.dropOldest();
    return message;
  }

  /** The core wrote everything through `seq` of `epoch`: those are let go. Another epoch's ack is a core still on an old run: ignored. */
  ack(epoch: string, seq: number): void {
    if (epoch !== this.epoch) return;
    this.ackedThrough = Math.max(this.ackedThrough, Math.min(seq, this.nextSeq - 1));
    for (let oldest = this.kept[this.head]; oldest !== undefined && oldest.message.seq <= this.ackedThrough; oldest = this.kept[this.head])
      this.removeHead();
    this.lostRuns = this.lostRuns.filter((run) => run.last > this.ackedThrough);
    if (this.ackedThrough >= this.foldedThrough) this.folded.clear();
  }

  /**
   * What a core that wrote through `after` of `epoch` is missing: a `backlog` header (where the
   * replay starts, and per bottle how many records after `after` were dropped), then every kept
   * record after it, in order. Another epoch (this gateway restarted) means everything kept.
   */
  replay(epoch: string | null, after: number): ControlOut[] {
    const from = epoch === this.epoch ? after : 0;
    const records = this.kept.slice(this.head).filter((kept) => kept.message.seq > from);
    const lost = new Map<string, number>();
    const count = (identity: string, n: number): void => {
      if (n > 0) lost.set(identity, (lost.get(identity) ?? 0) + n);
    };
    if (from < this.foldedThrough) for (const [identity, n] of this.folded) count(identity, n);
    for (const run of this.lostRuns) count(run.identity, run.last - Math.max(run.first - 1, from));
    const header: ControlOut = {
      type: 'backlog',
      epoch: this.epoch,
      from: records[0]?.message.seq ?? this.nextSeq,
      through: this.nextSeq - 1,
      // The header is one control line, capped by the core: the bottles that lost most, if ever more than fit.
      dropped: [...lost]
        .sort((a, b) => b[1] - a[1])
        .slice(0, MAX_DROPPED_BOTTLES)
        .map(([identity, n]) => ({ identity, count: n })),
    };
    return [header, ...records.map((kept) => kept.message)];
  }

  private size(): number {
    return this.kept.length - this.head;
  }

  /** Takes the oldest kept record out (the caller made sure there is one). */
  private removeHead(): Kept {
    const removed = this.kept[this.head++] as Kept;
    this.bytes -= removed.bytes;
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.head);
      this.head = 0;
    }
    return removed;
  }

  private dropOldest(): void {
    const { identity, message } = this.removeHead();
    const last = this.lostRuns.at(-1);
    if (last !== undefined && last.identity === identity && last.last === message.seq - 1) last.last = message.seq;
    else this.lostRuns.push({ identity, first: message.seq, last: message.seq });
    if (this.lostRuns.length > MAX_LOST_RUNS) {
      const oldest = this.lostRuns.shift() as LostRun;
      this.folded.set(oldest.identity, (this.folded.get(oldest.identity) ?? 0) + oldest.last - oldest.first + 1);
      this.foldedThrough = oldest.last;
    }
  }
}
