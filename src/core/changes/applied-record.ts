import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { changesPaths } from '../state/state-paths';

/** What apply last wrote (or removed) at one path of the project folder. */
export type AppliedVersion =
  | { kind: 'absent' }
  /** `sha256`: the blob store keeps a copy of what apply wrote (small files; absent in older records). */
  | { kind: 'file'; oid: string; mode: number; sha256?: string }
  | { kind: 'symlink'; target: string };

export interface AppliedRecord {
  version: 1;
  at: string | null;
  /** Path → what apply left there: the operator's "unchanged since" for the next apply. */
  files: Record<string, AppliedVersion>;
  /** Start-of-run content apply saved before replacing it (path → its blob names). */
  originals: Record<string, { oid: string; sha256: string }>;
  last: { at: string; written: number; conflicts: number } | null;
  /**
   * Conflicts the operator resolved in the merge view (path → the agent's version they merged, by
   * its blob id, and what they saved): that agent version is done; a newer one conflicts again.
   */
  resolved?: Record<string, ResolvedVersion>;
}

export interface ResolvedVersion {
  agent: string;
  host: string;
  at: string;
}

const versionSchema = z.union([
  z.object({ kind: z.literal('absent') }),
  z.object({
    kind: z.literal('file'),
    oid: z.string(),
    mode: z.number(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
  z.object({ kind: z.literal('symlink'), target: z.string() }),
]);

const recordSchema = z.object({
  version: z.literal(1),
  at: z.string().nullable(),
  files: z.record(z.string(), versionSchema),
  originals: z.record(z.string(), z.object({ oid: z.string(), sha256: z.string() })),
  last: z.object({ at: z.string(), written: z.number(), conflicts: z.number() }).nullable(),
  resolved: z.record(z.string(), z.object({ agent: z.string(), host: z.string(), at: z.string() })).optional(),
});

/** The operator resolved exactly this agent version of `path` (see AppliedRecord.resolved). */
export function isResolved(record: AppliedRecord, path: string, agentOid: string | null): boolean {
  return agentOid !== null && record.resolved?.[path]?.agent === agentOid;
}

export function emptyAppliedRecord(): AppliedRecord {
  return { version: 1, at: null, files: {}, originals: {}, last: null };
}

export async function readAppliedRecord(identity: string): Promise<AppliedRecord> {
  // Never applied (no file): every file counts as not applied. A record the host cannot read
  // (permissions, I/O) is an error: apply must not go on without knowing what it wrote before.
  const text = await ifExists(readFile(changesPaths(identity).applied, 'utf8'));
  if (text === null) return emptyAppliedRecord();
  // Damaged (not JSON, or not a record): every file counts as not applied, which only ever makes
  // apply more careful (a conflict instead of an overwrite).
  const parsed = recordSchema.safeParse(parseJson(text));
  return parsed.success ? (parsed.data as AppliedRecord) : emptyAppliedRecord();
}

export async function writeAppliedRecord(identity: string, record: AppliedRecord): Promise<void> {
  await writeFileAtomic(changesPaths(identity).applied, JSON.stringify(record));
}
