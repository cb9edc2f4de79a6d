import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentSummary, AgentTrust } from '../../shared/bottle-view';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists, LINK_IS_MISSING, orIfMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { BottleError, errorMessage } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { trustStoreDir } from '../state/state-paths';

/*
 * The operator's trust in project agents (DESIGN.md §4). A project's agent folder is untrusted
 * input (a cloned repository, or a mount-mode agent writing into its own project), so it runs only
 * once the operator has read it and trusted it, and trust is pinned to the hash of the whole
 * folder: any change asks again. Records live in the state root (never in the project, which the
 * agent could write): one file per agent folder, named by the hash of its resolved path.
 */

const trustRecordSchema = z.object({
  version: z.literal(1),
  dir: z.string(),
  name: z.string(),
  contextHash: z.string(),
  trustedAt: z.string(),
  by: z.string(),
});

type TrustRecord = z.infer<typeof trustRecordSchema>;

/**
 * What trust reads of an agent: an AgentDefinition (agents.ts) has it. Declared here rather than
 * imported, because listing the project's agents (agents.ts) asks this file for their trust.
 */
interface TrustSubject {
  name: string;
  origin: string;
  source: AgentSummary['source'];
  contextHash(): Promise<string>;
}

async function recordPath(agent: TrustSubject): Promise<{ path: string; dir: string }> {
  // Keyed by the folder the operator knows, never by the private copy its content is read from.
  const dir = await orIfMissing(realpath(agent.origin), agent.origin);
  const key = createHash('sha256').update(dir).digest('hex').slice(0, 40);
  return { path: join(trustStoreDir(), `${key}.json`), dir };
}

/**
 * No record (the usual case for a new project agent) or a damaged one: not trusted. A record the
 * host cannot read (permissions, I/O) is an error: asking to trust again would hide it.
 */
async function readRecord(path: string): Promise<TrustRecord | null> {
  const text = await ifExists(readRegularFile(path, 64 * 1024), LINK_IS_MISSING).catch((error: unknown) => {
    throw new BottleError('internal', `cannot read the trust record ${path}: ${errorMessage(error)}`);
  });
  if (text === null) return null;
  // Damaged (we write it atomically, so someone else did): not trusted, as the comment above says.
  const parsed = trustRecordSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

/** Whether the operator trusted this agent folder with exactly its current content. */
export async function agentTrust(agent: TrustSubject): Promise<AgentTrust> {
  if (agent.source !== 'project') return 'trusted';
  const { path, dir } = await recordPath(agent);
  const record = await readRecord(path);
  if (record === null || record.dir !== dir) return 'untrusted';
  return record.contextHash === (await agent.contextHash()) ? 'trusted' : 'changed';
}

/** Refuses, in one line naming what to do, a project agent the operator has not trusted as it is now. */
export async function requireTrustedAgent(agent: TrustSubject, cwd: string): Promise<void> {
  const trust = await agentTrust(agent);
  if (trust === 'trusted') return;
  const how = `review it and run: claude-bottle trust ${agent.name} --cwd ${cwd} (or use the Trust step in the app)`;
  if (trust === 'changed') {
    throw new BottleError('forbidden', `project agent ${agent.name} at ${agent.origin} changed since you trusted it; ${how}`);
  }
  throw new BottleError(
    'forbidden',
    `project agent ${agent.name} at ${agent.origin} is not trusted (a repository is untrusted input); ${how}`,
  );
}

/**
 * Records trust in the agent folder's current content. `expectedHash` is the hash of what the
 * operator was shown: if the folder changed since, nothing is recorded.
 */
export async function trustAgent(agent: TrustSubject, expectedHash: string | null, by: string): Promise<void> {
  if (agent.source !== 'project')
    throw new BottleError('invalid-argument', `${agent.name} is not a project agent; only project agents need trust`);
  const contextHash = await agent.contextHash();
  if (expectedHash !== null && expectedHash !== contextHash) {
    throw new BottleError('conflict', `project agent ${agent.name} changed while you reviewed it; review it again`);
  }
  const { path, dir } = await recordPath(agent);
  const record: TrustRecord = { version: 1, dir, name: agent.name, contextHash, trustedAt: new Date().toISOString(), by };
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
}
