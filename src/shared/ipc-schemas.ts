/**
 * zod schemas for every channel's arguments: the main-side dispatcher validates with these before
 * any handler runs. Kept apart from ipc-contract.ts so the sandboxed preload does not pull in zod.
 */
import { z } from 'zod';
import { IDENTITY_MAX_LENGTH, IDENTITY_PATTERN } from './identity';
import { IpcChannels, type IpcChannel } from './ipc-contract';

export const identitySchema = z.string().max(IDENTITY_MAX_LENGTH).regex(IDENTITY_PATTERN, 'invalid bottle identity');
const requestIdSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'invalid request id');
const sessionIdSchema = z.string().min(1).max(64).regex(/^[a-z0-9-]+$/, 'invalid terminal session');
const agentNameSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'invalid agent name');
const absolutePathSchema = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');
const terminalSizeSchema = z.number().int().min(1).max(1000);

/** Argument tuple schemas, one per channel: every handler validates with these before acting. */
export const ipcArgSchemas = {
  [IpcChannels.listBottles]: z.tuple([]),
  [IpcChannels.listAgents]: z.tuple([z.object({ cwd: absolutePathSchema.optional() }).strict()]),
  [IpcChannels.engineStatus]: z.tuple([]),
  [IpcChannels.startBottle]: z.tuple([z.object({ agent: agentNameSchema, cwd: absolutePathSchema, copy: z.boolean() }).strict()]),
  [IpcChannels.stopBottle]: z.tuple([identitySchema]),
  [IpcChannels.removeBottle]: z.tuple([identitySchema, z.object({ keepState: z.boolean() }).strict()]),
  [IpcChannels.resumeBottle]: z.tuple([identitySchema]),
  [IpcChannels.approveRequest]: z.tuple([identitySchema, z.object({ requestId: requestIdSchema, resume: z.boolean() }).strict()]),
  [IpcChannels.rejectRequest]: z.tuple([identitySchema, z.object({ requestId: requestIdSchema, message: z.string().max(2000) }).strict()]),
  [IpcChannels.bottleHistory]: z.tuple([identitySchema]),
  [IpcChannels.terminalOpen]: z.tuple([z.object({ identity: identitySchema, cols: terminalSizeSchema, rows: terminalSizeSchema }).strict()]),
  [IpcChannels.terminalInput]: z.tuple([sessionIdSchema, z.string().max(64 * 1024)]),
  [IpcChannels.terminalResize]: z.tuple([sessionIdSchema, terminalSizeSchema, terminalSizeSchema]),
  [IpcChannels.terminalClose]: z.tuple([sessionIdSchema]),
  [IpcChannels.chooseFolder]: z.tuple([]),
} as const satisfies Record<IpcChannel, z.ZodType>;

