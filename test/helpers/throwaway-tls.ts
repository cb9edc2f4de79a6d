import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/*
 * TLS for a test's stand-in of an outside service (issue 20): keys from node:crypto (fast), the
 * certificates made and signed with node-forge. No vitest import: Playwright specs use it too.
 */

export interface ThrowawayTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A CA made for one test (trusted by nobody else) and a certificate it signed for `host`, all PEM. */
export function throwawayTls(host: string): ThrowawayTls {
  const keyPair = (): forge.pki.rsa.KeyPair => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
      publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    };
  };
  const certificate = (
    subject: string,
    keys: forge.pki.rsa.KeyPair,
    issuer: forge.pki.Certificate | null,
    signer: forge.pki.rsa.PrivateKey,
  ): forge.pki.Certificate => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
    cert.setSubject([{ name: 'commonName', value: subject }]);
    cert.setIssuer((issuer ?? cert).subject.attributes);
    cert.setExtensions(
      issuer === null
        ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
        : [{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 2, value: subject }] }],
    );
    cert.sign(signer, forge.md.sha256.create());
    return cert;
  };
  const caKeys = keyPair();
  const ca = certificate('claude-bottle throwaway test CA', caKeys, null, caKeys.privateKey);
  const leafKeys = keyPair();
  const leaf = certificate(host, leafKeys, ca, caKeys.privateKey);
  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(leaf),
    keyPem: forge.pki.privateKeyToPem(leafKeys.privateKey),
  };
}
