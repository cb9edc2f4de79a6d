import type { NetworkRequest } from '../../shared/network-policy';
import type { NetworkLogEntry } from '../../shared/network-view';
import { errorMessage } from '../base/bottle-error';
import type { EngineClient } from '../engine/engine-client';
import { findRunningGateway } from '../engine/gateway-container';
import { GatewayControl } from '../engine/gateway-control';
import { GATEWAY_CONTROL_SOCKET } from '../engine/gateway-image';
import type { RecordPosition } from '../state/network-cursor';
import { MAX_NETWORK_PENDING } from '../state/network-pending';
import { readGatewayMessage, type GatewayMessage } from './gateway-messages';
import { bottlesMessage, rulesMessage, type CredentialsMessage, type GatewayBottle } from './gateway-tables';

/*
 * One engine's gateway as the core sees it (issue 19): the control stream to its gateway container,
 * the tables pushed on it, and the requests it holds for the operator. A keeping stream (a live
 * core's) is reopened with backoff when it ends and is the one that records: held requests and
 * the connection log. A CLI's stream is opened for one answer and records nothing, so a live core
 * running beside it does not see every connection twice.
 */

/** Waits for the gateway's `ready` (it joins the control socket first), and for an answer's `settled`. */
const READY_TIMEOUT_MS = 15_000;
const ANSWER_TIMEOUT_MS = 15_000;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/**
 * A gateway container that has just started may not listen on its control socket yet (its relay
 * then says ENOENT): the stream is opened again this often, this far apart, before that counts.
 */
const STARTING_ATTEMPTS = 20;
const STARTING_RETRY_MS = 100;
/** Held requests remembered for all bottles of one engine (the gateway caps its own at 1000). */
const MAX_PENDING_TOTAL = 1000;

export interface EngineGatewayHooks {
  /** The bottles on this engine's gateway, read afresh: what the tables are built from. */
  bottles(): Promise<GatewayBottle[]>;
  /** The credentials table for those bottles (issue 20): their sets' injections, certificates, upstreams. */
  credentials(bottles: readonly GatewayBottle[]): Promise<CredentialsMessage>;
  /** A bottle's held requests changed (the full list, oldest first). */
  pendingChanged(identity: string, pending: NetworkRequest[]): void;
  /** A connection ended or was refused; `at` is its number in the gateway's sequence (null: an unnumbered record). */
  connection(identity: string, entry: NetworkLogEntry, at: RecordPosition | null): void;
  /** The header of a replay this core asked for (`replay`): the records it names follow. */
  backlog(header: BacklogHeader): void;
  /** A keeping stream is open (ready) or ended: the recorder asks for what it missed on each new one. */
  stream(open: boolean): void;
  /** A bottle asked to refresh its placeholder login (the gateway answered it locally): the real one is refreshed at home. */
  refreshWanted(set: string): void;
  warn(message: string): void;
}

export type BacklogHeader = Extract<GatewayMessage, { type: 'backlog' }>;

interface Held {
  identity: string;
  view: NetworkRequest;
}

export class EngineGateway {
  private control: GatewayControl | null = null;
  private opening: Promise<GatewayControl | null> | null = null;
  /** The stream being opened, until its `ready` (or its failure). */
  private unready: GatewayControl | null = null;
  private readonly held = new Map<string, Held>();
  private readonly listeners = new Set<(message: GatewayMessage) => void>();
  private retry: NodeJS.Timeout | null = null;
  private backoffMs = BACKOFF_FIRST_MS;
  private closed = false;
  private nextNonce = 1;

  constructor(
    private readonly docker: EngineClient,
    private readonly hooks: EngineGatewayHooks,
    /** A live core's: kept open (reopened when it ends), and recording. */
    private readonly keep: boolean,
  ) {}

  /** The held requests of one bottle, oldest first. */
  pendingOf(identity: string): NetworkRequest[] {
    return [...this.held.values()].filter((held) => held.identity === identity).map((held) => held.view);
  }

  /** Who a held request belongs to; undefined when this core does not know it. */
  ownerOf(requestId: string): string | undefined {
    return this.held.get(requestId)?.identity;
  }

  /** Opens the stream when the gateway runs, and pushes the tables; false when there is no gateway to push to. */
  async push(options: { applied?: boolean } = {}): Promise<boolean> {
    const control = await this.connect();
    if (control === null) return false;
    const bottles = await this.hooks.bottles();
    // The credentials first: a bottle the next table names with its set finds that set's injections there.
    control.send(await this.hooks.credentials(bottles));
    control.send(bottlesMessage(bottles));
    control.send(rulesMessage(bottles));
    // A bottle no longer on the gateway (removed) is forgotten: the gateway refuses what it held.
    const present = new Set(bottles.map((bottle) => bottle.policy.identity));
    const forgotten = new Set<string>();
    for (const [id, held] of this.held)
      if (!present.has(held.identity)) {
        this.held.delete(id);
        forgotten.add(held.identity);
      }
    // Its record and views follow, or they would show a request no one can answer any more.
    for (const identity of forgotten) this.hooks.pendingChanged(identity, []);
    if (options.applied === true) await this.roundTrip(control);
    return true;
  }

  /** Opens the control stream ahead of a push (false when the gateway is not running); a push reuses it. */
  async openEarly(): Promise<boolean> {
    return (await this.connect()) !== null;
  }

  /** Resolves once the gateway has read everything sent before: it answers a ping after the lines ahead of it. */
  private roundTrip(control: { send(message: object): boolean }): Promise<void> {
    const nonce = `applied-${this.nextNonce++}`;
    return new Promise<void>((resolve, reject) => {
      const finish = (outcome: Error | null): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (outcome === null) resolve();
        else reject(outcome);
      };
      const timer = setTimeout(
        () => finish(new Error(`the gateway did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`)),
        ANSWER_TIMEOUT_MS,
      );
      const listener = (message: GatewayMessage): void => {
        if (message.type === 'pong' && message.nonce === nonce) finish(null);
      };
      this.listeners.add(listener);
      if (!control.send({ type: 'ping', nonce })) finish(new Error('the gateway control stream closed'));
    });
  }

  /**
   * Answers a held request and waits until the gateway says it is settled: true then, false when
   * the gateway holds no such request (settled meanwhile: answered elsewhere, timed out, abandoned).
   */
  async decide(id: string, verdict: 'allow' | 'deny', scope: 'once' | 'bottle' | 'agent'): Promise<boolean> {
    const control = await this.connect();
    if (control === null) throw new Error('the network gateway is not running');
    return new Promise<boolean>((resolve, reject) => {
      const finish = (outcome: boolean | Error): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const timer = setTimeout(
        () => finish(new Error(`the gateway did not settle ${id} within ${ANSWER_TIMEOUT_MS / 1000} s`)),
        ANSWER_TIMEOUT_MS,
      );
      const listener = (message: GatewayMessage): void => {
        if (message.type === 'settled' && message.id === id) finish(true);
        // The gateway's one answer for an id it does not hold (src/gateway/main.ts).
        else if (message.type === 'error' && message.message.startsWith(`no pending request ${id} `)) finish(false);
      };
      this.listeners.add(listener);
      if (!control.send({ type: 'decide', id, verdict, scope })) finish(new Error('the gateway control stream closed'));
    });
  }

  /** Asks the open stream for the records after `position` (null: all it keeps); false when no stream is open. */
  replay(position: RecordPosition | null): boolean {
    if (this.control?.open !== true) return false;
    return this.control.send({ type: 'replay', epoch: position?.epoch ?? null, after: position?.seq ?? 0 });
  }

  /** Tells the gateway everything through `position` is on the record (it lets those go). */
  ack(position: RecordPosition): void {
    if (this.control?.open === true) this.control.send({ type: 'ack', epoch: position.epoch, seq: position.seq });
  }

  close(): void {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.control?.close();
    // One still waiting for its `ready` ends now (its opener then fails), rather than up to READY_TIMEOUT_MS later.
    this.unready?.close();
  }

  private connect(): Promise<GatewayControl | null> {
    if (this.control?.open === true) return Promise.resolve(this.control);
    this.opening ??= this.open()
      .catch((error: unknown) => {
        // A keeping stream that could not open (the engine too slow to run its exec, the gateway
        // paused or not answering) is tried again like one that ended: else a request the gateway
        // holds later reaches this core only if some change of a bottle happens to push again.
        if (this.keep) this.reopenLater();
        throw error;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  private async open(): Promise<GatewayControl | null> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.openOnce();
      } catch (error: unknown) {
        if (attempt >= STARTING_ATTEMPTS || !stillStarting(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, STARTING_RETRY_MS));
      }
    }
  }

  private async openOnce(): Promise<GatewayControl | null> {
    if (this.closed) return null;
    const container = await findRunningGateway(this.docker);
    if (container === null) return null;
    let ready: (outcome: string | null) => void = () => undefined;
    const isReady = new Promise<string | null>((resolve) => (ready = resolve));
    const control = await GatewayControl.open(container, {
      message: (message) => {
        if ((message as { type?: unknown } | null)?.type === 'ready') ready(null);
        this.receive(message);
      },
      badLine: (reason) => this.hooks.warn(`network gateway: ${reason}`),
      closed: (reason) => {
        ready(reason);
        this.ended(control, reason);
      },
    });
    const timer = setTimeout(() => ready(`no answer within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    this.unready = control;
    // Closed while the exec started: nothing would ever close this stream, and its socket keeps a CLI from exiting.
    if (this.closed) control.close();
    const failure = await isReady;
    clearTimeout(timer);
    this.unready = null;
    if (failure !== null) {
      control.close();
      throw new Error(`the network gateway's control stream did not open: ${failure}`);
    }
    if (this.closed) return null; // closed just as its `ready` came: that close has ended it
    this.control = control;
    this.backoffMs = BACKOFF_FIRST_MS;
    if (this.keep) this.hooks.stream(true);
    return control;
  }

  private ended(control: GatewayControl, reason: string): void {
    if (this.control !== control) return; // one that never became ready: its opener reports it
    this.control = null;
    // What it held is the gateway's to time out now: this core will not hear how it ends.
    const identities = new Set([...this.held.values()].map((held) => held.identity));
    this.held.clear();
    for (const identity of identities) this.hooks.pendingChanged(identity, []);
    if (this.keep) this.hooks.stream(false);
    if (this.keep && !this.closed) {
      this.hooks.warn(`network gateway control stream ended (${reason}): reconnecting`);
      this.reopenLater();
    }
  }

  /** Reopens after the current backoff, doubling it on each failure (the push opens it); a gateway that is gone waits for the next launch. */
  private reopenLater(): void {
    if (this.retry !== null || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.push().catch((error: unknown) => {
        this.hooks.warn(`network gateway: could not reconnect: ${errorMessage(error)}`);
        this.reopenLater();
      });
    }, this.backoffMs);
    this.retry.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }

  private receive(raw: unknown): void {
    const read = readGatewayMessage(raw);
    if (!read.ok) return this.hooks.warn(read.reason);
    const message = read.value;
    if (message === null) return;
    for (const listener of [...this.listeners]) listener(message);
    if (!this.keep) return;
    if (message.type === 'pending') this.hold(message);
    else if (message.type === 'settled') this.unhold(message.id);
    else if (message.type === 'connection' && message.event !== 'start' && message.identity !== null) {
      const { identity, event, host, port, protocol, decision, by, reason, time, epoch, seq } = message;
      const at = epoch !== undefined && seq !== undefined ? { epoch, seq } : null;
      this.hooks.connection(
        identity,
        {
          time,
          event,
          host,
          port,
          protocol,
          decision,
          by,
          reason,
          bytesUp: message.bytesUp ?? 0,
          bytesDown: message.bytesDown ?? 0,
          ...(message.injected === true ? { signed: true } : {}),
        },
        at,
      );
    } else if (message.type === 'backlog') this.hooks.backlog(message);
    else if (message.type === 'error') this.hooks.warn(`network gateway: ${message.message}`);
    else if (message.type === 'refresh-wanted') this.hooks.refreshWanted(message.set);
  }

  private hold(message: Extract<GatewayMessage, { type: 'pending' }>): void {
    const { id, identity, host, port, protocol, time } = message;
    if (this.held.size >= MAX_PENDING_TOTAL || this.pendingOf(identity).length >= MAX_NETWORK_PENDING) {
      this.hooks.warn(`network gateway: ${identity} holds too many requests; ${host}:${port} is left to time out`);
      return;
    }
    this.held.set(id, { identity, view: { id, identity, host, port, protocol, at: time } });
    this.hooks.pendingChanged(identity, this.pendingOf(identity));
  }

  private unhold(id: string): void {
    const held = this.held.get(id);
    if (held === undefined) return;
    this.held.delete(id);
    this.hooks.pendingChanged(held.identity, this.pendingOf(held.identity));
  }
}

/** The relay's word when the gateway's proxy has not made its control socket yet (src/gateway/main.ts). */
function stillStarting(error: unknown): boolean {
  return errorMessage(error).includes(`control socket ${GATEWAY_CONTROL_SOCKET}: connect ENOENT`);
}
