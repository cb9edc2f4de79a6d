import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { InboxWarning, PendingRequestSummary, PendingRequestView } from '../../shared/bottle-view';
import { dockerfileRiskNotes } from '../../shared/dockerfile-risks';
import { parseJson } from '../base/parse-json';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { proposalHash } from './proposal';
import { rebuildPaths } from '../state/state-paths';
import { isSafeName, parseCapabilityRequest, type CapabilityRequest } from './request-schema';

/** A validated request awaiting the operator, with the proposal as it was computed on arrival. */
export interface PendingRecord {
  request: CapabilityRequest;
  receivedAt: string;
  currentDockerfile: string;
  proposedDockerfile: string;
  diff: string;
  buildError: string | null;
}

const pendingRecordSchema = z.object({
  request: z.unknown(),
  receivedAt: z.string(),
  currentDockerfile: z.string(),
  proposedDockerfile: z.string(),
  diff: z.string(),
  buildError: z.string().nullable(),
});

const MAX_WARNINGS = 20;
const warningsSchema = z.array(z.object({ file: z.string(), message: z.string(), at: z.string() }));

/** What every view carries of a pending request: small, whatever the agent proposed. */
export function toPendingSummary(record: PendingRecord): PendingRequestSummary {
  return { id: record.request.id, reason: record.request.reason, createdAt: record.request.created_at, buildError: record.buildError };
}

/** The request in full, for the one being reviewed: diff, both Dockerfiles, hash and risk notes. */
export function toPendingView(record: PendingRecord): PendingRequestView {
  return {
    ...toPendingSummary(record),
    diff: record.diff,
    currentDockerfile: record.currentDockerfile,
    proposedDockerfile: record.proposedDockerfile,
    proposalHash: proposalHash(record.proposedDockerfile),
    risks: dockerfileRiskNotes(record.proposedDockerfile, record.currentDockerfile),
  };
}

function pendingFile(identity: string, requestId: string): string {
  if (!isSafeName(requestId)) throw new Error(`invalid request id ${JSON.stringify(requestId.slice(0, 80))}`);
  return join(rebuildPaths(identity).pending, `${requestId}.json`);
}

export async function writePendingRecord(identity: string, record: PendingRecord): Promise<void> {
  await writeFileAtomic(pendingFile(identity, record.request.id), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removePendingRecord(identity: string, requestId: string): Promise<void> {
  await rm(pendingFile(identity, requestId), { force: true });
}

/**
 * The record, or null when it is gone or damaged (we write it atomically, so damage means someone
 * else wrote it): the inbox request is still there to re-read. A record the host cannot read
 * (permissions, a folder in its place, I/O) is an error, never "no request".
 */
async function readPendingFile(path: string): Promise<PendingRecord | null> {
  const text = await ifExists(readFile(path, 'utf8'));
  if (text === null) return null;
  const parsed = pendingRecordSchema.safeParse(parseJson(text));
  if (!parsed.success) return null;
  const request = parseCapabilityRequest(parsed.data.request);
  if (!request.ok) return null;
  return { ...parsed.data, request: request.request };
}

export async function readPendingRecord(identity: string, requestId: string): Promise<PendingRecord | null> {
  if (!isSafeName(requestId)) return null;
  return readPendingFile(pendingFile(identity, requestId));
}

/** Every pending request of the bottle, oldest first. */
export async function listPendingRecords(identity: string): Promise<PendingRecord[]> {
  const names = await orIfMissing(readdir(rebuildPaths(identity).pending), [] as string[]);
  const records = await Promise.all(
    names
      .filter((name) => name.endsWith('.json') && !name.startsWith(TEMP_PREFIX))
      .map((name) => readPendingFile(join(rebuildPaths(identity).pending, name))),
  );
  return records
    .filter((record): record is PendingRecord => record !== null)
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.request.id.localeCompare(b.request.id));
}

/** The recorded warnings; none when there is no file or a damaged one. An unreadable file throws. */
export async function readWarnings(identity: string): Promise<InboxWarning[]> {
  const text = await ifExists(readFile(rebuildPaths(identity).warnings, 'utf8'));
  if (text === null) return [];
  const parsed = warningsSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : [];
}

/** Keeps the newest warnings, one per file name. */
export async function writeWarnings(identity: string, warnings: InboxWarning[]): Promise<void> {
  const path = rebuildPaths(identity).warnings;
  if (warnings.length === 0) {
    await rm(path, { force: true });
    return;
  }
  await writeFileAtomic(path, `${JSON.stringify(warnings.slice(-MAX_WARNINGS), null, 2)}\n`);
}
