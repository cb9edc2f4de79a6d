import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/*
 * Throwaway TLS material for tests (issue 20): a CA of the test's own and server certificates it
 * signs, made with node-forge as the product's installation CA is. RSA keys come from node:crypto
 * (forge's own key generation is slow pure JavaScript).
 */

export interface TestCertificate {
  cert: string;
  key: string;
}

export interface TestCa extends TestCertificate {
  /** A server certificate for these names (DNS names or IPv4 addresses), signed by this CA. */
  issue(names: readonly string[]): TestCertificate;
}

function rsaKeys(): { privatePem: string; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privatePem, publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) };
}

function serial(): string {
  // Positive: forge writes the hex as is, and a leading bit set would make it negative.
  return `01${randomBytes(15).toString('hex')}`;
}

function validity(cert: forge.pki.Certificate, days: number): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
}

export function makeTestCa(commonName = 'claude-bottle test CA'): TestCa {
  const keys = rsaKeys();
  const caKey = forge.pki.privateKeyFromPem(keys.privatePem);
  const ca = forge.pki.createCertificate();
  ca.publicKey = keys.publicKey;
  ca.serialNumber = serial();
  validity(ca, 2);
  const subject = [{ name: 'commonName', value: commonName }];
  ca.setSubject(subject);
  ca.setIssuer(subject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(caKey, forge.md.sha256.create());
  return {
    cert: forge.pki.certificateToPem(ca),
    key: keys.privatePem,
    issue(names: readonly string[]): TestCertificate {
      const leafKeys = rsaKeys();
      const leaf = forge.pki.createCertificate();
      leaf.publicKey = leafKeys.publicKey;
      leaf.serialNumber = serial();
      validity(leaf, 2);
      leaf.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }]);
      leaf.setIssuer(subject);
      leaf.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: names.map((name) => (/^\d+(\.\d+){3}$/.test(name) ? { type: 7, ip: name } : { type: 2, value: name })),
        },
      ]);
      leaf.sign(caKey, forge.md.sha256.create());
      return { cert: forge.pki.certificateToPem(leaf), key: leafKeys.privatePem };
    },
  };
}
