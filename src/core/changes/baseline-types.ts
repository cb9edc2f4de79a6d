import { z } from 'zod';
import type { WalkEntry } from './host-walk';

/** One file or symlink as it was when the agent started: what lstat said, and its content's names. */
export interface BaselineEntry extends Omit<WalkEntry, 'path'> {
  /** Git's blob id of the content, when known (clean in a repository, or hashed). */
  oid: string | null;
  sha256: string | null;
  /** Modified in the second the baseline was taken: size and time cannot prove it unchanged. */
  racy: boolean;
  /** A copy of the content is in the blob store (named by sha256). */
  kept: boolean;
}

export interface Baseline {
  version: 1;
  identity: string;
  mode: 'copy' | 'mount';
  cwd: string;
  takenAt: string;
  takenAtMs: number;
  /** The .dockerignore text the copy honoured (and the comparison honours); null when none. */
  dockerignore: string | null;
  /** The repository the project folder was the top of, if any. */
  git: { head: string | null; branch: string | null } | null;
  entries: Record<string, BaselineEntry>;
  /** Folders the ignore rules left out whole: never listed in the workspace either. */
  prunedDirs: string[];
  /** Mount mode: the submodules (gitlinks) the index held, path to commit. Absent in older baselines. */
  gitlinks?: Record<string, string>;
  /** Mount mode: the `.git` entries below the top and what git reads of them. Absent in older baselines. */
  nestedGit?: Record<string, NestedGitRecord>;
}

/** What git reads of a nested `.git`: its kind and inode, and a digest of its pointer or its config, commondir and hooks. */
export interface NestedGitRecord {
  kind: 'dir' | 'file' | 'other';
  ino: number;
  digest: string;
}

/** Written instead of a baseline when none could be taken, so every surface can say why. */
export interface BaselineFailure {
  version: 1;
  identity: string;
  unavailable: string;
}

const entrySchema = z.object({
  kind: z.enum(['file', 'symlink']),
  size: z.number().int().nonnegative(),
  mode: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  ctimeMs: z.number(),
  ino: z.number(),
  oid: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/)
    .nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  target: z.string().nullable(),
  racy: z.boolean(),
  kept: z.boolean(),
});

export const baselineFileSchema = z.union([
  z.object({
    version: z.literal(1),
    identity: z.string(),
    mode: z.enum(['copy', 'mount']),
    cwd: z.string(),
    takenAt: z.string(),
    takenAtMs: z.number(),
    dockerignore: z.string().nullable(),
    git: z.object({ head: z.string().nullable(), branch: z.string().nullable() }).nullable(),
    entries: z.record(z.string(), entrySchema),
    prunedDirs: z.array(z.string()),
    gitlinks: z.record(z.string(), z.string().regex(/^[0-9a-f]{40,64}$/)).optional(),
    nestedGit: z.record(z.string(), z.object({ kind: z.enum(['dir', 'file', 'other']), ino: z.number(), digest: z.string() })).optional(),
  }),
  z.object({ version: z.literal(1), identity: z.string(), unavailable: z.string() }),
]);
