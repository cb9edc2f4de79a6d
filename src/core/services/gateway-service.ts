import {
  parseHostPattern,
  parseTargetHost,
  patternMatches,
  type NetworkAnswer,
  type NetworkRequest,
  type RuleEffect,
} from '../../shared/network-policy';
import type { NetworkLogEntry, NetworkLogView } from '../../shared/network-view';
import { BottleError, errorMessage } from '../base/bottle-error';
import { bottleNetworkPolicy } from '../bottles/bottle-network-policy';
import { depsForBottle, onEngine, type CoreDeps } from '../deps/core-deps';
import { bottleNetworksOfRoot } from '../engine/gateway-container';
import { addBottleNetworkRule } from '../state/bottle-network';
import { readMetadata } from '../state/metadata';
import { appendNetworkLog, readNetworkLog } from '../state/network-log';
import { readNetworkCursor, writeNetworkCursor } from '../state/network-cursor';
import { readNetworkPending, writeNetworkPending } from '../state/network-pending';
import { tryHoldRootLock, type RootLockHold } from '../state/root-lock';
import { readSettings } from '../state/settings';
import { bottlePaths, stateRoot } from '../state/state-paths';
import { settled } from '../base/settled';
import { isDirectory } from '../fs/is-directory';
import { addAgentNetworkRule } from '../state/settings-network';
import { signInGatewayPolicy } from '../bottles/sign-in-labels';
import { EngineGateway } from './engine-gateway';
import { answerPattern, credentialsMessage, injectionHosts, type CredentialsMessage, type GatewayBottle } from './gateway-tables';
import { credentialSetOf } from '../credentials/agent-secrets';
import { storedInjections } from '../credentials/credential-plan';
import { LeafCertificates } from '../credentials/gateway-ca';
import { readCredentialUpstreams } from '../state/settings-credentials';
import { RecordSequence } from './network-record-sequence';
import { NetworkTimeline } from './network-timeline';

/*
 * The core's side of the bottles' one door out (issue 19): per engine, one control stream to its
 * gateway, the tables pushed after every change (a launch, a resume, a removal, an answer, a rule
 * added), the requests it holds for the operator, and every connection on the record in the
 * bottle's own folder. Only while settings.json turns `gatewayNetwork` on: otherwise bottles have
 * the engine's network and there is no gateway to speak to.
 *
 * A live core (the app, `serve`) keeps each stream open and records; the CLI's core opens one for
 * the answer it gives and records nothing (the live core, if one runs, hears the same events).
 * When the app and `serve` both run on one root, both hear every connection: only the one holding
 * `<root>/network-recorder.lock` writes the records, so each connection is on the record once. The
 * file, not a rule such as "the app records", because either may run alone, start or stop at any
 * time: the first live core takes it, and the other takes it over once that one's process is gone.
 * What ends while no live core listens is not lost: the gateway numbers and keeps the records
 * until the recorder acknowledges them, and the recorder asks for what follows its cursor
 * (network-record-sequence.ts, network-cursor.ts) on every stream it opens.
 */

export interface GatewayServiceHooks {
  /** A bottle's held requests changed: its view is read again. */
  changed(identity: string): void;
  /** A connection is on the bottle's log now (written, so a reader of the file finds it too). */
  logged(identity: string, entry: NetworkLogEntry): void;
  /** A bottle of `set` met a refused token and asked for a refresh, which the gateway answered with placeholders (issue 20). */
  refreshWanted(set: string): void;
  warn(message: string): void;
}

/** Waits after a change before the push, so a burst of changes (a launch's steps) pushes once. */
const PUSH_DELAY_MS = 200;

export class GatewayService {
  private readonly engines = new Map<string, EngineGateway>();
  /** Per engine, its connection records on their way to the logs, in the gateway's order (network-record-sequence.ts). */
  private readonly sequences = new Map<string, RecordSequence>();
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  /** The pushes under way (see sync). */
  private readonly underWay = new Set<Promise<boolean>>();
  /** Each bottle's held-request writes, one after the other. */
  private readonly writes = new Map<string, Promise<void>>();
  private closed = false;
  /** This core's hold of the recorder lock, once it has it (live cores only). */
  private recorder: RootLockHold | null = null;
  /** The one attempt to take the recorder lock under way, if any. */
  private recorderAttempt: Promise<boolean> | null = null;
  /** The certificates the gateways present for the hosts they sign requests for. */
  private readonly leafs = new LeafCertificates();
  /** Held network requests and their answers on the bottles' timelines. */
  private readonly timeline = new NetworkTimeline((message) => this.hooks.warn(message));

  constructor(
    private readonly deps: CoreDeps,
    private readonly hooks: GatewayServiceHooks,
    private readonly live: boolean,
  ) {}

  /** After any change to a bottle (started, resumed, removed, its rules): its engine's tables are pushed again. */
  bottleChanged(identity: string): void {
    let engine: string;
    try {
      engine = depsForBottle(this.deps, identity).engine.name;
    } catch (error: unknown) {
      // A bottle whose engine record is damaged: its view says so; it is on no gateway we can name.
      this.hooks.warn(`network gateway: ${identity}: ${errorMessage(error)}`);
      return;
    }
    this.schedule(engine);
  }

  /**
   * settings.json changed (by hand, or by another core): its rules are every bottle's, so every
   * engine this core speaks to, and the current one, gets its tables pushed again. No restart.
   */
  settingsChanged(): void {
    for (const engine of new Set([this.deps.engines.currentName, ...this.engines.keys()])) this.schedule(engine);
  }

  /**
   * The credential store changed (`credentials set`, a sign-in, a home refresh, a migration): every
   * gateway gets the new credentials table. No bottle restarts: they hold only placeholders.
   */
  credentialsChanged(): void {
    this.settingsChanged();
  }

  private schedule(engine: string): void {
    if (this.scheduled.has(engine) || this.closed) return;
    const timer = setTimeout(() => void this.pushScheduled(engine), PUSH_DELAY_MS);
    timer.unref();
    this.scheduled.set(engine, timer);
  }

  private pushScheduled(engine: string): Promise<void> {
    const timer = this.scheduled.get(engine);
    if (timer !== undefined) clearTimeout(timer);
    this.scheduled.delete(engine);
    return this.sync(engine).then(
      () => undefined,
      (error: unknown) => this.hooks.warn(`network gateway of ${engine}: ${errorMessage(error)}`),
    );
  }

  /** Pushes an engine's tables now (the current engine when not named); false when it has no gateway (or it is off). */
  sync(engineName: string = this.deps.engines.currentName, options: { applied?: boolean } = {}): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const pushed = this.pushNow(engineName, options);
    // close() waits for it: a push its timer started just before (or a launch's) reaches the gateway, and its stream is closed after.
    this.underWay.add(pushed);
    void settled(pushed).then(() => this.underWay.delete(pushed));
    return pushed;
  }

  private async pushNow(engineName: string, options: { applied?: boolean }): Promise<boolean> {
    const settings = await readSettings();
    // Closed while settings.json was read: a gateway made now would open a stream no one closes (and a CLI would never exit).
    if (this.closed || !settings.gatewayNetwork) return false;
    return this.gatewayOf(engineName).push(options);
  }

  /**
   * Pushes the tables of a bottle's engine now, with the bottle in them: a launch calls it before the
   * container starts, so its first connection is not refused (the scheduled push comes 200 ms after a
   * change, and never in a CLI that exits first). A gateway that cannot be reached fails the launch:
   * a bottle it does not know has no way out at all.
   */
  async bottleReady(identity: string): Promise<void> {
    await this.engineReady(depsForBottle(this.deps, identity).engine.name, identity);
  }

  /** bottleReady for what is on an engine's gateway without being a bottle (the sign-in flow's container). */
  async engineReady(engine: string, what = 'the sign-in'): Promise<void> {
    try {
      await this.sync(engine, { applied: true });
    } catch (error: unknown) {
      throw new BottleError('engine-unavailable', `the network gateway of ${engine} did not take ${what}'s rules: ${errorMessage(error)}`);
    }
  }

  /** See CoreDeps.gateways.open: the engine's control stream opened ahead of a launch's `ready`. */
  open(engine: string): void {
    if (this.closed) return;
    // Not an error of its own: the launch's `ready` opens the stream again and says why it failed.
    this.gatewayOf(engine)
      .openEarly()
      .catch((_error: unknown) => undefined);
  }

  /** A bottle's held requests: this core's own when it is live, else what the live core last wrote. */
  async pending(identity: string): Promise<NetworkRequest[]> {
    if (this.live) return this.engineOf(identity).pendingOf(identity);
    return readNetworkPending(identity);
  }

  /** The newest `limit` records of a bottle's connection log, oldest first; a bottle with no state is not found (not an empty log). */
  async log(identity: string, limit: number): Promise<NetworkLogEntry[]> {
    if ((await readMetadata(identity)) === null) throw new BottleError('not-found', `no state for bottle ${identity} under ${stateRoot()}`);
    return readNetworkLog(identity, limit);
  }

  /** The log as the Network tab opens it: its newest records, and whether the gateway is on to add more. */
  async logView(identity: string, limit: number): Promise<NetworkLogView> {
    const [entries, settings] = await Promise.all([this.log(identity, limit), readSettings()]);
    return { entries, gatewayOn: settings.gatewayNetwork };
  }

  /**
   * The operator's answer to a held request. `bottle` and `agent` are kept (network.json, settings.json)
   * before the held connections go on, so what was allowed stays allowed; `deny` refuses this request only.
   */
  async answer(identity: string, requestId: string, answer: NetworkAnswer): Promise<void> {
    const held = (await this.pending(identity)).find((request) => request.id === requestId);
    if (held === undefined) throw new BottleError('not-found', `${identity} has no held network request ${requestId}`);
    if (answer === 'bottle' || answer === 'agent') {
      await this.addRule(identity, 'allow', answerPattern(held.host, held.port), answer === 'agent');
      return;
    }
    const settledHere = await this.engineOf(identity).decide(requestId, answer === 'deny' ? 'deny' : 'allow', 'once');
    if (!settledHere)
      throw new BottleError('not-found', `${identity}: request ${requestId} is no longer held (answered, timed out or abandoned)`);
    await this.timeline.answered(identity, [held], answer !== 'deny', 'once');
  }

  /**
   * A rule for a bottle, or for every bottle of its agent (an answer, or the CLI's `allow`/`deny`):
   * kept first, then every held request of the bottle it matches is answered by it, then the
   * tables are pushed. Returns the held requests it answered.
   */
  async addRule(identity: string, effect: RuleEffect, pattern: string, forAgent: boolean): Promise<NetworkRequest[]> {
    const parsed = parseHostPattern(pattern);
    if (!parsed.ok) throw new BottleError('invalid-argument', parsed.error);
    if (forAgent) await addAgentNetworkRule((await this.deps.loadBottle(identity)).agent.name, effect, parsed.value.text);
    else await addBottleNetworkRule(identity, effect, parsed.value.text);
    const matched = (await this.pending(identity)).filter((held) => {
      const target = parseTargetHost(held.host);
      return target.ok && patternMatches(parsed.value, target.value, held.port);
    });
    const answered: NetworkRequest[] = [];
    if (matched.length > 0 && (await readSettings()).gatewayNetwork) {
      const engine = this.engineOf(identity);
      const scope = effect === 'deny' ? 'once' : forAgent ? 'agent' : 'bottle';
      for (const held of matched) if (await engine.decide(held.id, effect, scope)) answered.push(held);
    }
    await this.sync(depsForBottle(this.deps, identity).engine.name);
    await this.timeline.answered(identity, answered, effect === 'allow', `${forAgent ? "its agent's" : 'its'} rule ${parsed.value.text}`);
    return answered;
  }

  private engineOf(identity: string): EngineGateway {
    return this.gatewayOf(depsForBottle(this.deps, identity).engine.name);
  }

  /** Pushes what changed and is not pushed yet (a CLI command's launch must reach the gateway before it exits), then closes every stream. */
  async close(): Promise<void> {
    await Promise.all([...this.scheduled.keys()].map((engine) => this.pushScheduled(engine)));
    await Promise.all([...this.underWay].map((push) => settled(push)));
    // What was written is acknowledged before the streams close, so the gateway keeps only the rest.
    await Promise.all([...this.sequences.values()].map((sequence) => sequence.flush()));
    this.closed = true;
    for (const gateway of this.engines.values()) gateway.close();
    this.engines.clear();
    // Nothing of this core writes into a state folder after its close.
    await Promise.all([...this.writes.values()].map((write) => settled(write)));
    await Promise.all([...this.sequences.values()].map((sequence) => sequence.flush()));
    this.sequences.clear();
    await settled(this.recorderAttempt ?? Promise.resolve(false));
    await this.recorder?.release();
    this.recorder = null;
  }

  private gatewayOf(engineName: string): EngineGateway {
    let gateway = this.engines.get(engineName);
    if (gateway === undefined) {
      const deps = onEngine(this.deps, this.deps.engines.get(engineName));
      gateway = new EngineGateway(
        deps.docker,
        {
          bottles: () => this.bottlesOn(deps),
          credentials: (bottles) => this.credentialsFor(bottles),
          // Written one at a time per bottle, each write taking the list as it is then: the last change always lands last.
          pendingChanged: (identity) =>
            this.recordPending(identity, async () => {
              const held = gateway?.pendingOf(identity) ?? [];
              await writeNetworkPending(identity, held);
              await this.timeline.held(identity, held);
            }),
          connection: (identity, entry, at) => sequence.received(identity, entry, at),
          backlog: (header) => sequence.backlog(header),
          stream: (open) => sequence.stream(open),
          refreshWanted: (set) => this.hooks.refreshWanted(set),
          warn: this.hooks.warn,
        },
        this.live,
      );
      const opened = gateway;
      const sequence = new RecordSequence({
        isRecorder: () => this.isRecorder(),
        readCursor: () => readNetworkCursor(engineName),
        writeCursor: (position) => writeNetworkCursor(engineName, position),
        // A replay may carry the records of a bottle removed since: it gets no folder back for them.
        write: async (identity, entry) => {
          if (!(await isDirectory(bottlePaths(identity).dir))) return false;
          await appendNetworkLog(identity, entry);
          return true;
        },
        logged: (identity, entry) => this.hooks.logged(identity, entry),
        replay: (position) => opened.replay(position),
        ack: (position) => opened.ack(position),
        warn: this.hooks.warn,
      });
      this.engines.set(engineName, gateway);
      this.sequences.set(engineName, sequence);
    }
    return gateway;
  }

  /** Whether this core writes the records: it holds the recorder lock, or takes it now that no other live core holds it. */
  private async isRecorder(): Promise<boolean> {
    if (this.recorder !== null) return true;
    if (!this.live || this.closed) return false;
    // One attempt at a time: a second one at once is refused (the first holds the lock) and, had it
    // stored its null, this core would have lost its own hold for good: no record written, and the
    // lock held by no one who would let it go until the process ends.
    this.recorderAttempt ??= tryHoldRootLock('network-recorder')
      .then(async (hold) => {
        // Closed while it was taken: let it go, or no other core could ever record.
        if (hold !== null && this.closed) await hold.release();
        else this.recorder ??= hold;
        return this.recorder !== null;
      })
      .finally(() => {
        this.recorderAttempt = null;
      });
    return this.recorderAttempt;
  }

  /**
   * Writes a bottle's held requests, when this core is the recorder, one write at a time per bottle;
   * a bottle removed meanwhile (no folder) is not written for. Its views are told either way: the
   * recorder writes the same list.
   */
  private recordPending(identity: string, write: () => Promise<void>): void {
    const next = settled(this.writes.get(identity) ?? Promise.resolve()).then(async () => {
      if (await this.isRecorder()) await write();
    });
    this.writes.set(identity, next);
    void settled(next).then(() => {
      if (this.writes.get(identity) === next) this.writes.delete(identity);
    });
    next.then(
      () => this.hooks.changed(identity),
      (error: unknown) => this.hooks.warn(`network record of ${identity}: ${errorMessage(error)}`),
    );
  }

  /** The bottles of this root on the engine's gateway, each with its policy; one that cannot be read is left out (and said). */
  private async bottlesOn(deps: CoreDeps): Promise<GatewayBottle[]> {
    const found = await Promise.all(
      (await bottleNetworksOfRoot(deps.docker)).map(async ({ identity, network, labels }): Promise<GatewayBottle | null> => {
        // The sign-in flow's network is no bottle: its labels say its agent and its only hosts.
        const signIn = signInGatewayPolicy(identity, labels);
        if (signIn !== null) return { ip: network.bottleIp, ...signIn, credentialSet: null, injections: [] };
        try {
          const bottle = await deps.loadBottle(identity);
          const signs = bottle.agent.config.credentials.length > 0;
          return {
            ip: network.bottleIp,
            agent: bottle.agent.name,
            policy: await bottleNetworkPolicy(bottle),
            credentialSet: signs ? credentialSetOf(bottle.agent) : null,
            injections: signs ? await storedInjections(bottle.agent) : [],
          };
        } catch (error: unknown) {
          // Its connections are refused (an address not in the table), which is what an unreadable policy must mean.
          if (!(error instanceof BottleError && error.code === 'not-found'))
            this.hooks.warn(`network gateway: ${identity} left out: ${errorMessage(error)}`);
          return null;
        }
      }),
    );
    return found.filter((bottle): bottle is GatewayBottle => bottle !== null);
  }

  /**
   * The credentials table for these bottles: their sets' injections, a certificate for each host
   * they name (made here; the CA's key stays on this host) and the operator's upstreams.
   */
  private async credentialsFor(bottles: readonly GatewayBottle[]): Promise<CredentialsMessage> {
    const certificates = await Promise.all(injectionHosts(bottles).map((host) => this.leafs.forHost(host)));
    const upstreams = await readCredentialUpstreams((await readSettings()).credentialUpstreams);
    return credentialsMessage(bottles, certificates, upstreams);
  }
}
