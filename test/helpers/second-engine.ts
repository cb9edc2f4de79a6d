import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { EngineClient } from '../../src/core/engine/engine-client';

/**
 * A second Docker engine on this machine, for the multi-engine tests (issue 14): its own data-root,
 * exec-root, pidfile, unix socket, a TLS-verified TCP port on loopback, and a bridge of its own
 * (one started with `--bridge none` deleted the first engine's docker0 here), with iptables left to
 * the first engine. Plus an sshd on loopback that, for the test key, dials this engine — what an
 * `ssh://` Docker context reaches on a real remote host. Started once per machine and reused.
 */
const ROOT = '/var/lib/claude-bottle-test-engine2';
const RUN = '/run/claude-bottle-test-engine2';
export const SECOND_ENGINE = {
  socket: join(RUN, 'docker.sock'),
  pidfile: join(RUN, 'docker.pid'),
  tcpPort: 23760,
  bridge: 'cbtest-br2',
  bridgeCidr: '172.31.250.1/24',
  tlsDir: join(ROOT, 'tls'),
  log: '/tmp/claude-bottle-test-engine2.log',
  sshDir: join(ROOT, 'ssh'),
  sshPort: 23722,
  sshPidfile: join(RUN, 'sshd.pid'),
} as const;

export interface SecondEngine {
  socket: string;
  tcpHost: string;
  tls: { ca: string; cert: string; key: string };
  ssh: { host: string; port: number; user: string; privateKey: string; knownHostsLine: string };
}

/** Why the second engine cannot run here, or null when it can (root, dockerd and sshd installed). */
export function cannotRunSecondEngineReason(): string | null {
  if (process.getuid?.() !== 0) return 'a second dockerd needs root';
  for (const tool of ['dockerd', 'openssl', 'ip', '/usr/sbin/sshd', 'ssh-keygen', 'docker']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (.ci/run installs docker.io, openssl, iproute2 and openssh-server)`;
    }
  }
  return null;
}

function run(command: string, args: string[], cwd?: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function alive(pidfile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker context` takes them. */
function ensureTls(): void {
  const dir = SECOND_ENGINE.tlsDir;
  if (existsSync(join(dir, 'key.pem'))) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  run('openssl', ['genrsa', '-out', 'ca-key.pem', '2048'], dir);
  run(
    'openssl',
    ['req', '-new', '-x509', '-days', '3650', '-key', 'ca-key.pem', '-sha256', '-subj', '/CN=claude-bottle test CA', '-out', 'ca.pem'],
    dir,
  );
  writeFileSync(join(dir, 'server.cnf'), 'subjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth\n');
  writeFileSync(join(dir, 'client.cnf'), 'extendedKeyUsage = clientAuth\n');
  run('openssl', ['genrsa', '-out', 'server-key.pem', '2048'], dir);
  run('openssl', ['req', '-subj', '/CN=127.0.0.1', '-sha256', '-new', '-key', 'server-key.pem', '-out', 'server.csr'], dir);
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-days',
      '3650',
      '-sha256',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server-cert.pem',
      '-extfile',
      'server.cnf',
    ],
    dir,
  );
  run('openssl', ['genrsa', '-out', 'client-key.pem', '2048'], dir);
  run('openssl', ['req', '-subj', '/CN=claude-bottle test client', '-new', '-key', 'client-key.pem', '-out', 'client.csr'], dir);
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-days',
      '3650',
      '-sha256',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'cert.pem',
      '-extfile',
      'client.cnf',
    ],
    dir,
  );
  // The names `docker context create --docker ca=,cert=,key=` and DOCKER_CERT_PATH expect.
  run('cp', ['client-key.pem', 'key.pem'], dir);
}

function ensureBridge(): void {
  try {
    run('ip', ['link', 'show', SECOND_ENGINE.bridge]);
    return;
  } catch {
    // Not there yet: create it.
  }
  run('ip', ['link', 'add', SECOND_ENGINE.bridge, 'type', 'bridge']);
  run('ip', ['addr', 'add', SECOND_ENGINE.bridgeCidr, 'dev', SECOND_ENGINE.bridge]);
  run('ip', ['link', 'set', SECOND_ENGINE.bridge, 'up']);
}

export function secondEngineDocker(): Docker {
  return new Docker({ socketPath: SECOND_ENGINE.socket });
}

/** The core's engine client on the second engine, for the core's engine functions. */
export function secondEngineClient(): EngineClient {
  return new EngineClient(secondEngineDocker());
}

async function answers(docker: Docker): Promise<boolean> {
  return docker.ping().then(
    () => true,
    () => false,
  );
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts the second dockerd (idempotent) and waits until it answers. */
export async function startSecondEngine(): Promise<void> {
  ensureTls();
  ensureBridge();
  mkdirSync(RUN, { recursive: true, mode: 0o700 });
  if (!alive(SECOND_ENGINE.pidfile)) {
    const tls = SECOND_ENGINE.tlsDir;
    const log = openSync(SECOND_ENGINE.log, 'a');
    spawn(
      'dockerd',
      [
        '--data-root',
        join(ROOT, 'data'),
        '--exec-root',
        join(RUN, 'exec'),
        '--pidfile',
        SECOND_ENGINE.pidfile,
        '-H',
        `unix://${SECOND_ENGINE.socket}`,
        '-H',
        `tcp://127.0.0.1:${SECOND_ENGINE.tcpPort}`,
        '--tlsverify',
        '--tlscacert',
        join(tls, 'ca.pem'),
        '--tlscert',
        join(tls, 'server-cert.pem'),
        '--tlskey',
        join(tls, 'server-key.pem'),
        '--bridge',
        SECOND_ENGINE.bridge,
        '--iptables=false',
        '--ip-masq=false',
      ],
      { detached: true, stdio: ['ignore', log, log] },
    ).unref();
  }
  await waitFor(() => answers(secondEngineDocker()), 'the second dockerd to answer');
}

/** Stops the second dockerd (SIGTERM, by its own pidfile: never the first engine). */
export async function stopSecondEngine(): Promise<void> {
  if (!alive(SECOND_ENGINE.pidfile)) return;
  process.kill(Number(readFileSync(SECOND_ENGINE.pidfile, 'utf8').trim()), 'SIGTERM');
  await waitFor(async () => !alive(SECOND_ENGINE.pidfile), 'the second dockerd to stop', 60_000);
}

/** sshd on loopback whose only key dials the second engine (a forced command), as a remote host would. */
export async function startTestSshd(): Promise<SecondEngine['ssh']> {
  const dir = SECOND_ENGINE.sshDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  if (!existsSync(join(dir, 'host_ed25519_key'))) run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519_key')]);
  if (!existsSync(join(dir, 'client_ed25519')))
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'claude-bottle-test', '-f', join(dir, 'client_ed25519')]);
  const clientKey = readFileSync(join(dir, 'client_ed25519.pub'), 'utf8').trim();
  writeFileSync(
    join(dir, 'authorized_keys'),
    `command="DOCKER_HOST=unix://${SECOND_ENGINE.socket} docker system dial-stdio",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${clientKey}\n`,
    { mode: 0o600 },
  );
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${SECOND_ENGINE.sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519_key')}`,
      `PidFile ${SECOND_ENGINE.sshPidfile}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      '',
    ].join('\n'),
  );
  if (!alive(SECOND_ENGINE.sshPidfile)) run('/usr/sbin/sshd', ['-f', join(dir, 'sshd_config'), '-E', '/tmp/claude-bottle-test-sshd.log']);
  await waitFor(async () => alive(SECOND_ENGINE.sshPidfile), 'the test sshd to start', 20_000);
  const hostKey = readFileSync(join(dir, 'host_ed25519_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return {
    host: '127.0.0.1',
    port: SECOND_ENGINE.sshPort,
    user: 'root',
    privateKey: join(dir, 'client_ed25519'),
    knownHostsLine: `[127.0.0.1]:${SECOND_ENGINE.sshPort} ${hostKey}`,
  };
}

/** The second engine and its ssh door, started if they are not running. */
export async function ensureSecondEngine(): Promise<SecondEngine> {
  await startSecondEngine();
  const ssh = await startTestSshd();
  const tls = SECOND_ENGINE.tlsDir;
  return {
    socket: SECOND_ENGINE.socket,
    tcpHost: `tcp://127.0.0.1:${SECOND_ENGINE.tcpPort}`,
    tls: { ca: join(tls, 'ca.pem'), cert: join(tls, 'cert.pem'), key: join(tls, 'key.pem') },
    ssh,
  };
}
