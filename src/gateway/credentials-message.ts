/**
 * The `credentials` control message (issue 20), checked before anything of it is used: which
 * placeholder the gateway replaces by which value in which header, for the bottles of which set
 * and on requests to which host:port; the certificate it terminates TLS with for each such host;
 * and where it sends requests for a host:port instead of the name's DNS answer; and where a set's
 * bottles refresh their login (answered here with the placeholders). Everything is
 * size-capped; PEM texts must parse as what they claim to be (a certificate that is for its host
 * and matches its key); hosts are canonical names as the rules spell them. One bad part refuses
 * the whole line, so the gateway keeps its last table.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { parseIpLiteral, parseTargetHost } from '../shared/network-policy';

const MAX_SETS = 100;
const MAX_ENTRIES = 200;
const MAX_PEM_CHARS = 16 * 1024;
/** A CA bundle may hold a few certificates. */
const MAX_CA_CHARS = 64 * 1024;
const MAX_VALUE_CHARS = 16 * 1024;

/**
 * Headers whose replacement would change how the request is framed or where it goes: an
 * injection may name none of them.
 */
const FRAMING_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive']);

const setName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'set: letters, digits, dot, dash, underscore');

/** A host as the rules store it: a lower-case name with no trailing dot (an IP has no name to sign a certificate or SNI for). */
const canonicalName = z
  .string()
  .max(253)
  .superRefine((text, context) => {
    const parsed = parseTargetHost(text);
    if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.error });
    else if (parsed.value.kind !== 'name') context.addIssue({ code: 'custom', message: `host ${text} must be a name, not an address` });
    else if (parsed.value.name !== text)
      context.addIssue({ code: 'custom', message: `host ${text} is not canonical (${parsed.value.name})` });
  });
const port = z.number().int().min(1).max(65535);

/** An HTTP header name (token characters), lower-case as Node hands them over. */
const headerName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/, 'header: lower-case token characters')
  .refine((name) => !FRAMING_HEADERS.has(name), 'header: not a framing header (host, content-length, connection, …)');

/** Header-value characters with no CR, LF or NUL: a value can never start a header of its own. */
const headerText = (min: number, max: number, what: string): z.ZodString =>
  z
    .string()
    .min(min, `${what}: at least ${min} characters`)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, `${what}: printable ASCII without spaces`);

/** The PEM blocks of one kind in a text: the text must be those blocks and nothing else. */
function pemBlocks(text: string, label: string): string[] | null {
  const pattern = new RegExp(`-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----`, 'g');
  const blocks = text.match(pattern) ?? [];
  return blocks.length > 0 && text.replace(pattern, '').trim() === '' ? blocks : null;
}

function parseCertificates(text: string): X509Certificate[] | string {
  const blocks = pemBlocks(text, 'CERTIFICATE');
  if (blocks === null) return 'not PEM certificates';
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (error: unknown) {
    return `a certificate does not parse (${(error as Error).message})`;
  }
}

export const injectionSchema = z.strictObject({
  host: canonicalName,
  port,
  header: headerName,
  // At least 16 characters, so a placeholder cannot be a fragment of ordinary header text.
  placeholder: headerText(16, 256, 'placeholder'),
  // A value may hold inner spaces (a header value can), never a control character or line break.
  value: z
    .string()
    .min(1)
    .max(MAX_VALUE_CHARS)
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, 'value: printable ASCII, no control characters, no space at either end'),
});
export type Injection = z.infer<typeof injectionSchema>;

export const certificateEntrySchema = z
  .strictObject({ host: canonicalName, cert: z.string().max(MAX_PEM_CHARS), key: z.string().max(MAX_PEM_CHARS) })
  .superRefine((entry, context) => {
    const certificates = parseCertificates(entry.cert);
    if (typeof certificates === 'string' || certificates.length !== 1) {
      const message = typeof certificates === 'string' ? certificates : 'one certificate';
      context.addIssue({ code: 'custom', message: `cert: ${message}`, path: ['cert'] });
      return;
    }
    const [certificate] = certificates as [X509Certificate];
    if (certificate.checkHost(entry.host) === undefined)
      context.addIssue({ code: 'custom', message: `cert: not a certificate for ${entry.host}`, path: ['cert'] });
    if (!/^-----BEGIN (RSA |EC )?PRIVATE KEY-----\r?\n/.test(entry.key)) {
      context.addIssue({ code: 'custom', message: 'key: not a PEM private key', path: ['key'] });
      return;
    }
    try {
      if (!certificate.checkPrivateKey(createPrivateKey(entry.key)))
        context.addIssue({ code: 'custom', message: 'key: does not match the certificate', path: ['key'] });
    } catch (error: unknown) {
      context.addIssue({ code: 'custom', message: `key: does not parse (${(error as Error).message})`, path: ['key'] });
    }
  });
export type CertificateEntry = z.infer<typeof certificateEntrySchema>;

export const upstreamEntrySchema = z
  .strictObject({
    host: canonicalName,
    port,
    address: z
      .string()
      .max(64)
      .refine((text) => parseIpLiteral(text)?.text === text, 'address: an IP address, canonical'),
    addressPort: port,
    ca: z.string().max(MAX_CA_CHARS).nullable(),
  })
  .superRefine((entry, context) => {
    if (entry.ca === null) return;
    const certificates = parseCertificates(entry.ca);
    if (typeof certificates === 'string') context.addIssue({ code: 'custom', message: `ca: ${certificates}`, path: ['ca'] });
  });
export type UpstreamEntry = z.infer<typeof upstreamEntrySchema>;

/**
 * Where a set's bottles refresh their login (platform.claude.com's token URL for Claude): the
 * gateway answers a refresh there that carries the set's refresh placeholder itself, with the
 * placeholders (token-endpoint.ts), since the real service would refuse the placeholder and the
 * bottle's agent would then wipe its login. The path is matched exactly (a request target, no
 * spaces); the placeholders are the bottle's login file's.
 */
export const tokenEndpointSchema = z.strictObject({
  host: canonicalName,
  port,
  path: z
    .string()
    .max(256)
    .regex(/^\/[\x21-\x7e]*$/, 'path: starts with /, printable ASCII without spaces'),
  refreshPlaceholder: headerText(16, 256, 'refreshPlaceholder'),
  accessPlaceholder: headerText(16, 256, 'accessPlaceholder'),
});
export type TokenEndpoint = z.infer<typeof tokenEndpointSchema>;

/** Refuses a list in which two entries share a key: which one the gateway would use would be a guess. */
function unique<T>(what: string, key: (entry: T) => string): (entries: readonly T[], context: z.RefinementCtx) => void {
  return (entries: readonly T[], context: z.RefinementCtx): void => {
    const seen = new Set<string>();
    for (const entry of entries) {
      const at = key(entry);
      if (seen.has(at)) context.addIssue({ code: 'custom', message: `${what} ${at} twice` });
      seen.add(at);
    }
  };
}

export const credentialsMessageSchema = z.strictObject({
  type: z.literal('credentials'),
  sets: z
    .array(
      z.strictObject({
        set: setName,
        injections: z.array(injectionSchema).max(MAX_ENTRIES),
        tokenEndpoint: tokenEndpointSchema.optional(),
      }),
    )
    .max(MAX_SETS)
    .superRefine(unique('set', (entry) => entry.set)),
  certificates: z
    .array(certificateEntrySchema)
    .max(MAX_ENTRIES)
    .superRefine(unique('certificate for', (entry) => entry.host)),
  upstreams: z
    .array(upstreamEntrySchema)
    .max(MAX_ENTRIES)
    .superRefine(unique('upstream for', (entry) => `${entry.host}:${entry.port}`)),
});
export type CredentialsMessage = z.infer<typeof credentialsMessageSchema>;

export { setName as credentialSetSchema };
