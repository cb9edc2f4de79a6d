import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../base/bottle-error';
import { isMissing } from '../fs/if-exists';
import type { AgentAuthMethod, Client, ConnectConfig, PublicKeyAuthMethod } from 'ssh2';

/** An `ssh://user@host:port` Docker endpoint. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
}

/** Codes our ssh failures carry, so the engine layer reports them as "engine not reachable". */
export const SSH_ERROR_CODES = ['ESSHHOSTKEY', 'ESSHAUTH', 'ESSHCHANNEL'] as const;

class SshError extends Error {
  constructor(
    readonly code: (typeof SSH_ERROR_CODES)[number],
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

const KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function sshDir(): string {
  return join(homedir(), '.ssh');
}

/** The operator's unencrypted default keys, as `ssh` would try them (an agent is tried first). */
function defaultKeys(): { path: string; key: Buffer }[] {
  const keys: { path: string; key: Buffer }[] = [];
  for (const name of KEY_FILES) {
    const path = join(sshDir(), name);
    try {
      const key = readFileSync(path);
      // A passphrase-protected key needs the agent; reading it here would only fail later.
      if (!key.toString('utf8').includes('ENCRYPTED')) keys.push({ path, key });
    } catch (error: unknown) {
      // Every failure is meant (not there, unreadable): the next default name is tried, as ssh
      // itself passes over a key it cannot read.
    }
  }
  return keys;
}

/** The names a known_hosts line may give this target: `host` for port 22, else `[host]:port`. */
function knownHostNames(target: SshTarget): string[] {
  return target.port === 22 ? [target.host, `[${target.host}]:22`] : [`[${target.host}]:${target.port}`];
}

function hostMatches(pattern: string, names: string[]): boolean {
  if (pattern.startsWith('|1|')) {
    // Hashed entry: |1|base64(salt)|base64(HMAC-SHA1(salt, hostname)).
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    const expected = Buffer.from(hash, 'base64');
    return names.some((name) => {
      const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });
  }
  return pattern.split(',').some((entry) => names.includes(entry));
}

/**
 * The host keys ~/.ssh/known_hosts lists for the target. ssh refuses an unknown host unless told
 * otherwise, and so do we: a Docker engine over ssh is root on that host.
 */
export function knownHostKeys(target: SshTarget, file = join(sshDir(), 'known_hosts')): Buffer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error: unknown) {
    // No known_hosts: no host is known yet. One that cannot be read must not read as "unknown host".
    if (isMissing(error)) return [];
    throw new Error(`cannot read ${file}: ${errorMessage(error)}`);
  }
  const names = knownHostNames(target);
  const keys: Buffer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, , key] = line.split(/\s+/);
    if (hosts !== undefined && key !== undefined && hostMatches(hosts, names)) keys.push(Buffer.from(key, 'base64'));
  }
  return keys;
}

function describeTarget(target: SshTarget): string {
  return `${target.username}@${target.host}:${target.port}`;
}

/**
 * Connections per engine at most. sshd allows a few sessions per connection (MaxSessions, 10 by
 * default), and a live core holds some of its channels for good: the engine's event stream, the
 * network gateway's control stream, every attached exec. A channel the first connection cannot take
 * goes to the next, opened when needed.
 */
const MAX_CONNECTIONS = 8;

/** The server refused to open a channel on this connection (sshd at MaxSessions says "open failed"); another may take it. */
function isChannelRefused(error: unknown): boolean {
  return typeof (error as { reason?: unknown } | null)?.reason === 'number';
}

/** A `docker system dial-stdio` channel on a connection. */
function dialStdio(client: Client): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.exec('docker system dial-stdio', (error, channel) => {
      if (error) return reject(error);
      // http.Agent treats what it gets as a socket; a channel has none of these knobs.
      const stream = channel as unknown as Duplex & Record<string, unknown>;
      for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) stream[method] = () => stream;
      resolve(stream);
    });
  });
}

/**
 * ssh connections to one engine, kept open and shared: every HTTP connection to the engine is a
 * `docker system dial-stdio` channel on one of them (what the docker CLI runs on the remote host),
 * so a request costs a channel, not a new ssh handshake. A connection that drops leaves the pool;
 * the next request opens another.
 */
class SshDockerAgent extends Agent {
  /** Open or opening connections, oldest first. */
  private connections: Promise<Client>[] = [];
  private readonly clients = new Set<Client>();

  constructor(
    private readonly target: SshTarget,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(_options: unknown, callback?: (error: Error | null, stream: Duplex) => void): Duplex | undefined {
    this.openChannel(0).then(
      (stream) => callback?.(null, stream),
      (error: unknown) => callback?.(error instanceof Error ? error : new Error(String(error)), undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** A channel on the index-th connection, or on a later one when that one takes no more. */
  private async openChannel(index: number): Promise<Duplex> {
    const client = await (this.connections[index] ?? this.addConnection());
    try {
      return await dialStdio(client);
    } catch (error: unknown) {
      if (isChannelRefused(error) && index + 1 < MAX_CONNECTIONS) return this.openChannel(index + 1);
      throw new SshError(
        'ESSHCHANNEL',
        `ssh ${describeTarget(this.target)}: cannot run docker system dial-stdio there (${errorMessage(error)})`,
      );
    }
  }

  private addConnection(): Promise<Client> {
    const connection = this.connect();
    this.connections.push(connection);
    const forget = (): void => {
      this.connections = this.connections.filter((item) => item !== connection);
    };
    // A connection that fails or closes leaves the pool (its failure is the caller's to report).
    connection.then((client) => client.once('close', forget), forget);
    return connection;
  }

  /** Keep-alive sockets here are channels: nothing to tune, always reusable. */
  override keepSocketAlive(): boolean {
    return true;
  }

  override reuseSocket(): void {
    // A channel needs no ref() to be reused.
  }

  override destroy(): void {
    super.destroy();
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.connections = [];
  }

  private async connect(): Promise<Client> {
    // Loaded on first use: ssh2 sets up its crypto when loaded, which every CLI command would pay.
    const { Client: SshClient } = await import('ssh2');
    const client = new SshClient();
    const target = this.target;
    const keys = defaultKeys();
    const known = knownHostKeys(target);
    let hostKeyRefused = false;
    const auth: (AgentAuthMethod | PublicKeyAuthMethod)[] = [];
    if (process.env.SSH_AUTH_SOCK !== undefined && process.env.SSH_AUTH_SOCK !== '') {
      auth.push({ type: 'agent', username: target.username, agent: process.env.SSH_AUTH_SOCK });
    }
    for (const { key } of keys) auth.push({ type: 'publickey', username: target.username, key });
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: 15_000,
      keepaliveInterval: 10_000,
      authHandler: auth,
      hostVerifier: (presented: Buffer): boolean => {
        const ok = known.some((key) => key.length === presented.length && timingSafeEqual(key, presented));
        if (!ok) hostKeyRefused = true;
        return ok;
      },
    };
    const ready = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.once('error', (error: Error & { level?: string }) => {
        this.clients.delete(client);
        const where = describeTarget(target);
        if (hostKeyRefused) {
          reject(
            new SshError(
              'ESSHHOSTKEY',
              `ssh ${where}: its host key is not in ${join(sshDir(), 'known_hosts')}; connect once with \`ssh -p ${target.port} ${target.username}@${target.host}\` to check and accept it`,
            ),
          );
        } else if (error.level === 'client-authentication') {
          const tried = [...(auth.some((method) => method.type === 'agent') ? ['ssh-agent'] : []), ...keys.map((key) => key.path)];
          reject(
            new SshError(
              'ESSHAUTH',
              `ssh ${where} refused every key tried (${tried.length > 0 ? tried.join(', ') : `none: no agent, no key in ${sshDir()}`}); add yours to its authorized_keys`,
            ),
          );
        } else {
          reject(error);
        }
      });
      client.on('close', () => this.clients.delete(client));
    });
    this.clients.add(client);
    client.connect(config);
    return ready;
  }
}

/** An http.Agent that reaches a Docker engine over ssh, for dockerode's `agent` option. */
export function sshDockerAgent(target: SshTarget): Agent {
  return new SshDockerAgent(target, { keepAlive: true, maxSockets: 16 });
}
