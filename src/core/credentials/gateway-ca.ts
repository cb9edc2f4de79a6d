import { generateKeyPair, randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileBytes } from '../fs/read-small-file';
import { withRootLock } from '../state/root-lock';
import { credentialsRoot } from '../state/state-paths';

/*
 * The installation's certificate authority (issue 20): the gateway terminates TLS only for the
 * hosts a credential is signed for, with a certificate for that host signed by this CA, which only
 * bottles trust (NODE_EXTRA_CA_CERTS in each bottle). It is made once per installation and kept in
 * the credential store, never under state/:
 *
 *   <root>/credentials/.gateway-ca/           0700
 *   <root>/credentials/.gateway-ca/ca.pem      0600   the CA certificate (not secret; it goes into bottles)
 *   <root>/credentials/.gateway-ca/ca-key.pem  0600   its key: never leaves this host, never pushed
 *
 * Keys are made by node:crypto (RSA 2048), certificates by node-forge. Each host's certificate
 * lives 30 days, is made on demand and made again when fewer than 7 days are left.
 */

const CA_YEARS = 10;
const LEAF_DAYS = 30;
const LEAF_RENEW_MS = 7 * 86_400_000;
/** Clocks in bottles and on remote engines differ a little: certificates count from an hour ago. */
const BACKDATE_MS = 3600_000;
const MAX_PEM_BYTES = 64 * 1024;

export interface GatewayCa {
  certPem: string;
  keyPem: string;
}

export interface LeafCertificate {
  host: string;
  cert: string;
  key: string;
  notAfterMs: number;
}

const generateKeyPairAsync = promisify(generateKeyPair);

function caDir(): string {
  return join(credentialsRoot(), '.gateway-ca');
}

async function rsaKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  return generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A positive serial number, random enough that two certificates of one CA never share one. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

async function readPem(path: string): Promise<string | null> {
  const read = await readSmallFileBytes(path, MAX_PEM_BYTES);
  if (read.kind === 'ok') return read.bytes.toString('utf8');
  if (read.kind === 'corrupt' && read.cause !== undefined) throw read.cause;
  return null;
}

async function readCa(): Promise<GatewayCa | null> {
  const [certPem, keyPem] = await Promise.all([readPem(join(caDir(), 'ca.pem')), readPem(join(caDir(), 'ca-key.pem'))]);
  return certPem === null || keyPem === null ? null : { certPem, keyPem };
}

async function makeCa(): Promise<GatewayCa> {
  const { publicKey, privateKey } = await rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - BACKDATE_MS);
  cert.validity.notAfter = new Date(Date.now() + CA_YEARS * 365 * 86_400_000);
  const name = [
    { name: 'commonName', value: `Claude Bottle gateway CA ${randomBytes(4).toString('hex')}` },
    { name: 'organizationName', value: 'Claude Bottle (this installation)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}

/**
 * The installation's CA, made on first need. Made under a lock of the root, and looked for again
 * once it is held: two processes starting at once never make two CAs (bottles of one would not
 * trust the other's certificates). The key is written before the certificate, so a certificate
 * on disk always has its key beside it.
 */
export async function installationCa(): Promise<GatewayCa> {
  const existing = await readCa();
  if (existing !== null) return existing;
  return withRootLock('gateway-ca', async () => {
    const again = await readCa();
    if (again !== null) return again;
    await mkdir(credentialsRoot(), { recursive: true, mode: 0o700 });
    await chmod(credentialsRoot(), 0o700);
    await mkdir(caDir(), { recursive: true, mode: 0o700 });
    await chmod(caDir(), 0o700);
    const made = await makeCa();
    await writeFileAtomic(join(caDir(), 'ca-key.pem'), made.keyPem, 0o600);
    await writeFileAtomic(join(caDir(), 'ca.pem'), made.certPem, 0o600);
    return made;
  });
}

async function makeLeaf(ca: GatewayCa, host: string): Promise<LeafCertificate> {
  const { publicKey, privateKey } = await rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serialNumber();
  const notAfter = new Date(Date.now() + LEAF_DAYS * 86_400_000);
  cert.validity.notBefore = new Date(Date.now() - BACKDATE_MS);
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: host }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: host }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { host, cert: forge.pki.certificateToPem(cert), key: privateKey, notAfterMs: notAfter.getTime() };
}

/** This process's certificates per host, kept while they have more than a week left (each costs a key pair). */
export class LeafCertificates {
  private readonly made = new Map<string, LeafCertificate>();
  private readonly making = new Map<string, Promise<LeafCertificate>>();

  async forHost(host: string): Promise<LeafCertificate> {
    const ca = await installationCa();
    // Keyed by the CA too: a CA made again (its folder removed) makes every certificate again.
    const key = `${host}\0${ca.certPem}`;
    const leaf = this.made.get(key);
    if (leaf !== undefined && leaf.notAfterMs - Date.now() > LEAF_RENEW_MS) return leaf;
    let pending = this.making.get(key);
    if (pending === undefined) {
      pending = makeLeaf(ca, host).finally(() => this.making.delete(key));
      this.making.set(key, pending);
    }
    const made = await pending;
    this.made.set(key, made);
    return made;
  }
}
