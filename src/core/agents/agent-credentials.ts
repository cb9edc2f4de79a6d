import { z } from 'zod';
import { credentialHostText, parseCredentialHost, type CredentialHost } from '../../shared/credential-host';

export type { CredentialHost };

/*
 * agent.json `credentials` (issue 20): which of the agent's secrets the gateway signs requests
 * with, and where. Each entry names one secret (`env` NAME or `file` NAME), the exact hosts and
 * ports it is for, and the one request header that carries it:
 *
 *   {"file": ".credentials.json", "hosts": ["api.anthropic.com:443"], "header": "authorization"}
 *   {"env": "ANTHROPIC_API_KEY", "hosts": ["api.anthropic.com:443"], "header": "x-api-key"}
 *
 * A declared secret reaches the bottle only as a placeholder; the gateway puts the real value into
 * that header, on those hosts, and nowhere else. A secret without a declaration stays in the
 * bottle as before. A file is understood only in a format we know how to fill with placeholders.
 */

/** Login files whose format we know: Claude Code's OAuth login (credential-placeholders.ts). */
export const KNOWN_LOGIN_FILES: readonly string[] = ['.credentials.json'];

const MAX_HOSTS = 16;

const hostText = z.string().transform((text, context) => {
  const parsed = parseCredentialHost(text);
  if (parsed.ok) return credentialHostText(parsed.value);
  context.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

const declarationSchema = z
  .object({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    file: z.string().optional(),
    hosts: z.array(hostText).min(1).max(MAX_HOSTS),
    // Lower-case: HTTP header names are matched without regard to case, and the table names one.
    header: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a lower-case header name such as authorization'),
  })
  .strict()
  .superRefine((entry, context) => {
    if ((entry.env === undefined) === (entry.file === undefined))
      context.addIssue({ code: 'custom', message: 'must name exactly one of "env" and "file"' });
    if (entry.file !== undefined && !KNOWN_LOGIN_FILES.includes(entry.file))
      context.addIssue({
        code: 'custom',
        path: ['file'],
        message: `${JSON.stringify(entry.file.slice(0, 80))} is no login format the gateway can sign with (known: ${KNOWN_LOGIN_FILES.join(', ')})`,
      });
  });

export const credentialDeclarationsSchema = z.array(declarationSchema).max(32);

export type CredentialDeclaration = z.output<typeof declarationSchema>;

/** A declaration of a secret the agent does not have is a mistake: said, never silently ignored. */
export function declarationsProblem(
  declarations: readonly CredentialDeclaration[],
  secretFiles: readonly string[],
  secretEnv: readonly string[],
): { field: string; message: string } | null {
  const seen = new Set<string>();
  for (const entry of declarations) {
    const key = entry.file !== undefined ? `file:${entry.file}` : `env:${entry.env ?? ''}`;
    if (seen.has(key)) return { field: 'credentials', message: `declares ${key} twice` };
    seen.add(key);
    if (entry.file !== undefined && !secretFiles.includes(entry.file))
      return { field: 'credentials', message: `file ${entry.file} is not in secretFiles` };
    if (entry.env !== undefined && !secretEnv.includes(entry.env))
      return { field: 'credentials', message: `env ${entry.env} is not in secretEnv` };
  }
  return null;
}

/** The declaration for one of the agent's secrets; undefined: it stays in the bottle. */
export function declarationFor(
  declarations: readonly CredentialDeclaration[],
  secret: { file: string } | { env: string },
): CredentialDeclaration | undefined {
  return declarations.find((entry) => ('file' in secret ? entry.file === secret.file : entry.env === secret.env));
}
