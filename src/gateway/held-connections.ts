/**
 * Connections waiting for the operator. Holds to the same host:port from the same bottle share one
 * pending request (a client that retries does not flood the approval queue); each hold ends with
 * the operator's answer, a re-decision after new tables, the timeout, or its client hanging up.
 * The number held is capped per bottle and in total, so a thousand CONNECTs cost a bounded amount.
 */
import type { DecidedBy, GatewayProtocol } from './control-protocol';

export type HoldOutcome = 'allow' | 'deny' | 'timeout' | 'abandoned';

export interface HoldResult {
  outcome: HoldOutcome;
  /** For allow/deny: who answered (`operator`, or `rule`/`mode` when new tables decided it). */
  by: DecidedBy;
  reason: string;
}

export interface PendingRequest {
  id: string;
  identity: string;
  host: string;
  port: number;
  protocol: GatewayProtocol;
  since: Date;
  waiters: Set<(result: HoldResult) => void>;
}

export interface HoldLimits {
  holdMs: number;
  maxPerBottle: number;
  maxTotal: number;
}

export interface HoldEvents {
  onPending(request: PendingRequest): void;
  onSettled(request: PendingRequest, outcome: HoldOutcome): void;
}

export class HeldConnections {
  private readonly pending = new Map<string, PendingRequest>();
  private readonly heldByBottle = new Map<string, number>();
  private heldTotal = 0;
  private nextId = 1;

  constructor(
    private readonly limits: HoldLimits,
    private readonly events: HoldEvents,
  ) {}

  /** Null when the hold may start; otherwise the one-line reason it is refused. */
  refusal(identity: string): string | null {
    if (this.heldTotal >= this.limits.maxTotal)
      return `the gateway already holds ${this.limits.maxTotal} connections waiting for the operator`;
    if ((this.heldByBottle.get(identity) ?? 0) >= this.limits.maxPerBottle) {
      return `this bottle already has ${this.limits.maxPerBottle} connections waiting for the operator`;
    }
    return null;
  }

  /**
   * Holds one connection until it is settled. `closed` is the client's socket: when it closes, or
   * (with `endIsHangUp`) ends, the hold ends (and its pending request, if no other client waits on
   * it). A held CONNECT's FIN means its client is gone; a plain-HTTP client may half-close once its
   * request is sent (HTTP/1.0 clients, `nc`) and still wait for the answer, so only 'close' counts.
   */
  hold(
    key: { identity: string; host: string; port: number; protocol: GatewayProtocol },
    closed: { once(event: 'close' | 'end', listener: () => void): unknown; off(event: 'close' | 'end', listener: () => void): unknown },
    endIsHangUp: boolean,
  ): Promise<HoldResult> {
    let request = [...this.pending.values()].find(
      (candidate) => candidate.identity === key.identity && candidate.host === key.host && candidate.port === key.port,
    );
    if (request === undefined) {
      request = { id: `p-${this.nextId++}`, ...key, since: new Date(), waiters: new Set() };
      this.pending.set(request.id, request);
      this.events.onPending(request);
    }
    const joined = request;
    this.count(key.identity, 1);
    return new Promise<HoldResult>((resolve) => {
      const finish = (result: HoldResult): void => {
        clearTimeout(timer);
        closed.off('close', onClose);
        closed.off('end', onClose);
        joined.waiters.delete(finish);
        this.count(key.identity, -1);
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish({
          outcome: 'timeout',
          by: 'timeout',
          reason: `no answer from the operator within ${Math.round(this.limits.holdMs / 1000)} s`,
        });
        if (joined.waiters.size === 0) this.settle(joined.id, 'timeout');
      }, this.limits.holdMs);
      const onClose = (): void => {
        finish({ outcome: 'abandoned', by: 'client', reason: 'the client hung up while held' });
        if (joined.waiters.size === 0) this.settle(joined.id, 'abandoned');
      };
      closed.once('close', onClose);
      if (endIsHangUp) closed.once('end', onClose);
      joined.waiters.add(finish);
    });
  }

  /** Ends a pending request: every connection held on it proceeds (allow) or is refused. False if there is none. */
  answer(id: string, result: HoldResult & { outcome: 'allow' | 'deny' }): PendingRequest | null {
    const request = this.pending.get(id);
    if (request === undefined) return null;
    for (const finish of [...request.waiters]) finish(result);
    this.settle(id, result.outcome);
    return request;
  }

  /** Every pending request, for a re-decision after new tables. */
  list(): PendingRequest[] {
    return [...this.pending.values()];
  }

  get total(): number {
    return this.heldTotal;
  }

  private settle(id: string, outcome: HoldOutcome): void {
    const request = this.pending.get(id);
    if (request === undefined) return;
    this.pending.delete(id);
    this.events.onSettled(request, outcome);
  }

  private count(identity: string, delta: number): void {
    const next = (this.heldByBottle.get(identity) ?? 0) + delta;
    if (next <= 0) this.heldByBottle.delete(identity);
    else this.heldByBottle.set(identity, next);
    this.heldTotal += delta;
  }
}
