/**
 * Throwaway certificate authorities for tests (node-forge, the X.509 library the installation's
 * gateway CA is made with): a CA, and leaves it signs for names and addresses. Keys are RSA 2048,
 * made by node:crypto (forge's own key generation is slow pure JavaScript). No vitest import: the
 * Playwright specs and the bench use it too.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  cert: string;
  key: string;
}

export interface TestCa extends Issued {
  sign(names: readonly string[], addresses?: readonly string[]): Issued;
}

function rsaKeys(): forge.pki.rsa.KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function serial(): string {
  return forge.util.bytesToHex(forge.random.getBytesSync(8)).replace(/^[89a-f]/, '1');
}

function validity(cert: forge.pki.Certificate): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
}

export function makeTestCa(commonName: string): TestCa {
  const keys = rsaKeys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = keys.publicKey;
  ca.serialNumber = serial();
  validity(ca);
  const subject = [{ name: 'commonName', value: commonName }];
  ca.setSubject(subject);
  ca.setIssuer(subject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(keys.privateKey, forge.md.sha256.create());
  return {
    cert: forge.pki.certificateToPem(ca),
    key: forge.pki.privateKeyToPem(keys.privateKey),
    sign(names, addresses = []): Issued {
      const leafKeys = rsaKeys();
      const leaf = forge.pki.createCertificate();
      leaf.publicKey = leafKeys.publicKey;
      leaf.serialNumber = serial();
      validity(leaf);
      leaf.setSubject([{ name: 'commonName', value: names[0] ?? addresses[0] ?? 'leaf' }]);
      leaf.setIssuer(ca.subject.attributes);
      leaf.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [...names.map((value) => ({ type: 2, value })), ...addresses.map((ip) => ({ type: 7, ip }))],
        },
      ]);
      leaf.sign(keys.privateKey, forge.md.sha256.create());
      return { cert: forge.pki.certificateToPem(leaf), key: forge.pki.privateKeyToPem(leafKeys.privateKey) };
    },
  };
}

/** A test's outside service in one call: a CA trusted by nobody else, and a certificate it signed for `host`, all PEM. */
export function throwawayTls(host: string): { caPem: string; certPem: string; keyPem: string } {
  const ca = makeTestCa('claude-bottle throwaway test CA');
  const leaf = ca.sign([host]);
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.key };
}
