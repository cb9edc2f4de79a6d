/**
 * The gateway: a proxy-chain server every bottle's HTTP_PROXY/HTTPS_PROXY points at. Each new
 * request (plain HTTP, or CONNECT for TLS and any TCP port) is taken through, in order: the bottle
 * it comes from (by source IP; unknown sources are refused), the Host header against the target,
 * the shared policy's decideNetwork (allow, deny, or ask: held for the operator), and only then
 * the name lookup and the shared mayDial for every address, dialling the checked address. Names are resolved only for what the policy let
 * through, so a refused bottle cannot smuggle data out in DNS queries either.
 */
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Server, type ConnectionStats, type PrepareRequestFunctionOpts, type PrepareRequestFunctionResult } from 'proxy-chain';
import { MAX_HOST_CHARS, parseTargetHost, type HostTarget, type NetworkTarget } from '../shared/network-policy';
import { pinnedLookup, resolveAndCheck, type AddressCheck } from './address-check';
import { DEFAULT_BACKLOG_LIMITS } from './connection-backlog';
import type { ControlChannel } from './control-channel';
import type { BottleEntry, ConnectionRecord, ControlOut, DecidedBy, GatewayProtocol } from './control-protocol';
import { CredentialTable } from './credential-table';
import { gatewayDecidedBy, type GatewayPolicy } from './gateway-policy';
import { HeldConnections, type HoldResult, type PendingRequest } from './held-connections';
import { hostHeaderMismatch } from './host-header';
import { noPoolAgent, refusalBody, refusalError } from './refusal';
import { limitSockets } from './socket-limit';
import { socketBytes, TlsTerminator } from './tls-terminator';
import { watchHeldSocket } from './watch-held-socket';

export interface GatewayOptions {
  host: string;
  port: number;
  holdMs: number;
  maxHeldPerBottle: number;
  maxHeldTotal: number;
  maxHeaderBytes: number;
  maxSocketsPerBottle: number;
  maxSocketsTotal: number;
  /** The connection backlog's bounds (main.ts keeps it; connection-backlog.ts). */
  backlogRecords: number;
  backlogBytes: number;
}

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  host: '0.0.0.0',
  port: 3128,
  holdMs: 60_000,
  maxHeldPerBottle: 200,
  maxHeldTotal: 1000,
  maxHeaderBytes: 16 * 1024,
  maxSocketsPerBottle: 1024,
  maxSocketsTotal: 3000,
  backlogRecords: DEFAULT_BACKLOG_LIMITS.maxRecords,
  backlogBytes: DEFAULT_BACKLOG_LIMITS.maxBytes,
};

/** The shortest time between two `refresh-wanted` lines for one set. */
const REFRESH_WANTED_GAP_MS = 10_000;

/** What an open client socket has carried, for its `end` record. */
interface OpenConnection {
  record: Omit<ConnectionRecord, 'event' | 'time'>;
  /** A connection ended here (signed, or relayed to an override): the upstream sockets whose bytes it carried. */
  upstreamSockets?: Set<net.Socket>;
}

/** The source address as the bottles table spells it (an IPv4 client of a dual-stack socket arrives mapped). */
function sourceAddress(socket: { remoteAddress?: string | undefined }): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The target as the bottle sent it, for the record of a refusal decided before it parsed: cut to a
 * host's longest length, since the core refuses a record with a longer host (and the attempt would
 * then be missing from the bottle's log: an agent could keep its probes off the record).
 */
function sentHost(hostname: string): string {
  return hostname.length > MAX_HOST_CHARS ? `${hostname.slice(0, MAX_HOST_CHARS - 1)}…` : hostname;
}

/** The control line that says a request is held for the operator. */
function pendingMessage(request: PendingRequest): ControlOut {
  return {
    type: 'pending',
    id: request.id,
    identity: request.identity,
    host: request.host,
    port: request.port,
    protocol: request.protocol,
    time: request.since.toISOString(),
  };
}

/** A parsed target's host as the log, the pending request and the resolver take it: the name, or the canonical address. */
function hostText(target: HostTarget): string {
  return target.kind === 'name' ? target.name : target.address.text;
}

export class Gateway {
  private bottles = new Map<string, BottleEntry>();
  private readonly open = new Map<number, OpenConnection>();
  readonly held: HeldConnections;
  /** The `credentials` table (issue 20): which CONNECTs are terminated here to sign their requests. */
  readonly credentials = new CredentialTable();
  private readonly terminator: TlsTerminator;
  /** When each set's last `refresh-wanted` went out. */
  private readonly refreshWantedAt = new Map<string, number>();
  readonly server: Server;

  constructor(
    options: GatewayOptions,
    private readonly policy: GatewayPolicy,
    private readonly control: ControlChannel,
    private readonly log: (line: string) => void,
  ) {
    this.held = new HeldConnections(
      { holdMs: options.holdMs, maxPerBottle: options.maxHeldPerBottle, maxTotal: options.maxHeldTotal },
      {
        onPending: (request) => control.send(pendingMessage(request)),
        onSettled: (request, outcome) => control.send({ type: 'settled', id: request.id, outcome, time: new Date().toISOString() }),
      },
    );
    this.terminator = new TlsTerminator(options.maxHeaderBytes, log);
    this.server = new Server({ host: options.host, port: options.port, prepareRequestFunction: (opts) => this.prepare(opts) });
    // Read by Node's HTTP parser for each new socket: larger request heads are refused with 431/400.
    (this.server.server as http.Server & { maxHeaderSize?: number }).maxHeaderSize = options.maxHeaderBytes;
    this.server.server.headersTimeout = 20_000;
    // A client that half-closes after its request (HTTP/1.0 style, `nc`) still reads the answer:
    // Node's default aborts the request on the client's FIN, which lost a held request's 403 or its
    // allowed response. The net server under it is already half-open.
    (this.server.server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    limitSockets(this.server.server, { perSource: options.maxSocketsPerBottle, total: options.maxSocketsTotal }, log);
    this.server.server.on('clientError', (error: NodeJS.ErrnoException, socket: { remoteAddress?: string }) => {
      this.log(`refused ${sourceAddress(socket)}: bad request (${error.code ?? error.message})`);
    });
    this.server.on('connectionClosed', ({ connectionId, stats }: { connectionId: number; stats?: ConnectionStats }) =>
      this.closed(connectionId, stats),
    );
  }

  /** A `pending` line for every request held now: what a control stream opened later has not heard. */
  pendingMessages(): ControlOut[] {
    return this.held.list().map(pendingMessage);
  }

  async listen(): Promise<number> {
    await this.server.listen();
    return this.server.port;
  }

  /** Replaces the bottles table; held connections are decided again (a bottle gone or turned locked/open settles them). */
  setBottles(entries: readonly BottleEntry[]): void {
    this.bottles = new Map(entries.map((entry) => [entry.ip, entry]));
    this.redecide();
  }

  /** Decides every held request again, after the rules or the bottles table changed. */
  redecide(): void {
    for (const request of this.held.list()) {
      const bottle = [...this.bottles.values()].find((entry) => entry.identity === request.identity);
      if (bottle === undefined) {
        this.held.answer(request.id, { outcome: 'deny', by: 'mode', reason: 'the bottle is no longer served by this gateway' });
        continue;
      }
      const decision = this.policy.decide(bottle, request);
      if (decision.verdict !== 'ask')
        this.held.answer(request.id, { outcome: decision.verdict, by: gatewayDecidedBy(decision.by), reason: decision.reason });
    }
  }

  /** The operator's answer to a pending request; null when there is no such request (already settled). */
  answer(id: string, verdict: 'allow' | 'deny'): { identity: string; host: string; port: number } | null {
    return this.held.answer(id, {
      outcome: verdict,
      by: 'operator',
      reason: verdict === 'allow' ? 'allowed by the operator' : 'denied by the operator',
    });
  }

  bottleByIdentity(identity: string): BottleEntry | undefined {
    return [...this.bottles.values()].find((entry) => entry.identity === identity);
  }

  bottleEntries(): Iterable<BottleEntry> {
    return this.bottles.values();
  }

  private async prepare(opts: PrepareRequestFunctionOpts): Promise<PrepareRequestFunctionResult> {
    const protocol: GatewayProtocol = opts.isHttp ? 'http' : 'connect';
    const source = sourceAddress(opts.request.socket);
    const base = {
      connection: opts.connectionId,
      identity: null as string | null,
      source,
      host: sentHost(opts.hostname),
      port: opts.port,
      protocol,
    };
    /** `allowAs`: what a rule would have to name (null when no rule can help: a malformed request, a name that does not resolve). */
    const refuse = (
      status: 400 | 403 | 429,
      by: DecidedBy,
      reason: string,
      identity: string | null,
      allowAs: NetworkTarget | null = { host: base.host, port: base.port },
    ): never => {
      this.record({ ...base, identity, event: 'refused', decision: 'deny', by, reason });
      throw refusalError(status, refusalBody(identity, { host: base.host, port: base.port }, reason, allowAs));
    };

    const bottle = this.bottles.get(source);
    if (bottle === undefined) return refuse(403, 'check', `the source ${source} is not a bottle this gateway serves`, null);
    base.identity = bottle.identity;
    const parsed = parseTargetHost(opts.hostname);
    if (!parsed.ok) return refuse(400, 'check', parsed.error, bottle.identity, null);
    base.host = hostText(parsed.value);
    const mismatch = hostHeaderMismatch(opts.request, parsed.value, opts.port, opts.isHttp);
    if (mismatch !== null) return refuse(400, 'check', mismatch, bottle.identity, null);

    // Decided on the target as sent, so the shared guard sees an IPv4 address written another way.
    const decision = this.policy.decide(bottle, { host: opts.hostname, port: opts.port });
    let decided: { by: DecidedBy; reason: string } = { by: gatewayDecidedBy(decision.by), reason: decision.reason };
    if (decision.verdict === 'deny') return refuse(403, decided.by, decided.reason, bottle.identity);
    if (decision.verdict === 'ask') {
      const full = this.held.refusal(bottle.identity);
      if (full !== null) return refuse(429, 'limit', full, bottle.identity, null);
      // A plain-HTTP request's socket is still read by the HTTP parser; a CONNECT's must be watched.
      const stopWatching = opts.isHttp ? (): void => undefined : watchHeldSocket(opts.request.socket);
      const target = { identity: bottle.identity, host: base.host, port: opts.port, protocol };
      const result: HoldResult = await this.held.hold(target, opts.request.socket, !opts.isHttp);
      stopWatching();
      if (result.outcome !== 'allow') return refuse(403, result.by, result.reason, bottle.identity);
      decided = result;
    }

    // Resolve and check only now: the bottle may be gone from the table while it was held.
    const current = this.bottles.get(source);
    if (current === undefined) return refuse(403, 'check', 'the bottle left this gateway while the connection was held', bottle.identity);
    // A CONNECT to a host:port this bottle's set signs for is terminated here; plain HTTP never is (it would carry the value in clear).
    const plan = opts.isHttp ? null : this.credentials.plan(current.credentialSet, base.host, opts.port);
    if (plan !== null && !plan.ok) return refuse(403, 'check', plan.reason, bottle.identity, null);
    const override = opts.isHttp ? null : this.credentials.upstream(base.host, opts.port);
    // The operator's `credentialUpstreams` names the address itself: no DNS, and it is not the bottle's to check.
    const checked: AddressCheck =
      override === null
        ? await resolveAndCheck(base.host, (address) => this.policy.mayDial(current, address, opts.port))
        : { ok: true, target: override.target };
    if (!checked.ok) {
      const allowAs = checked.address === null ? null : { host: checked.address, port: opts.port };
      return refuse(403, 'check', checked.reason, bottle.identity, allowAs);
    }
    const started = {
      ...base,
      decision: 'allow' as const,
      by: decided.by,
      reason: decided.reason,
      address: checked.target.address,
      ...(plan === null ? {} : { injected: true as const }),
    };
    this.record({ ...started, event: 'start' });
    if (plan === null && override === null) {
      this.open.set(opts.connectionId, { record: started });
      return { dnsLookup: pinnedLookup(checked.target), httpAgent: noPoolAgent };
    }
    const sockets = new Set<net.Socket>();
    this.open.set(opts.connectionId, { record: started, upstreamSockets: sockets });
    const dial = { target: checked.target, port: override?.port ?? opts.port, ca: override?.ca ?? null };
    if (plan === null) return { customConnectServer: this.terminator.relay(bottle.identity, base.host, dial, sockets) };
    const { host } = base;
    const set = current.credentialSet;
    return {
      customConnectServer: this.terminator.terminate(
        {
          identity: bottle.identity,
          set,
          host,
          port: opts.port,
          dial,
          agent: new https.Agent({ keepAlive: true }),
          sockets,
          injections: () => this.credentials.injections(set, host, opts.port),
          tokenEndpoint: () => this.credentials.tokenEndpoint(set, host, opts.port),
          refreshAnswered: () => this.refreshWanted(set, bottle.identity),
        },
        plan.context,
      ),
    };
  }

  /**
   * Asks the core to refresh a set's real login after a bottle's placeholder refresh was answered
   * here: once per set per REFRESH_WANTED_GAP_MS, since a bottle retrying (or several bottles of
   * one set at once) needs one refresh at home, not one each.
   */
  private refreshWanted(set: string | undefined, identity: string): void {
    if (set === undefined) return;
    const now = Date.now();
    const last = this.refreshWantedAt.get(set);
    if (last !== undefined && now - last < REFRESH_WANTED_GAP_MS) return;
    this.refreshWantedAt.set(set, now);
    this.control.send({ type: 'refresh-wanted', set, identity });
  }

  private closed(connectionId: number, stats: ConnectionStats | undefined): void {
    const connection = this.open.get(connectionId);
    if (connection === undefined) return;
    this.open.delete(connectionId);
    // The target side's counts are what actually went out and came in; a dial that failed has none.
    // A connection ended here has no target socket in proxy-chain: its upstream sockets are counted instead.
    const upstream = connection.upstreamSockets === undefined ? null : socketBytes(connection.upstreamSockets);
    const bytesUp = upstream?.up ?? stats?.trgTxBytes ?? 0;
    const bytesDown = upstream?.down ?? stats?.trgRxBytes ?? 0;
    this.record({ ...connection.record, event: 'end', bytesUp, bytesDown });
  }

  private record(record: Omit<ConnectionRecord, 'time'>): void {
    const full: ConnectionRecord = { ...record, time: new Date().toISOString() };
    if (record.event === 'refused')
      this.log(`refused ${record.identity ?? record.source} -> ${record.host}:${record.port}: ${record.reason ?? ''}`);
    this.control.send({ type: 'connection', ...full });
  }
}
