/**
 * zod schemas for every channel's arguments: the main-side dispatcher validates with these before
 * any handler runs. Kept apart from ipc-contract.ts so the sandboxed preload does not pull in zod.
 * Each schema is checked against its channel's `IpcArgs` at compile time (both directions), so the
 * contract and its validation cannot drift apart.
 */
import { z } from 'zod';
import { IpcChannels, SECRET_NAMES, type IpcArgs, type IpcChannel } from './ipc-contract';
import { MAX_BOTTLES_PER_CALL, MAX_FIRST_SCREEN, MAX_LOG_TAIL_LINES, MAX_SECRET_VALUE_CHARS, MAX_TERMINAL_INPUT_CHARS } from './rules';
import {
  absolutePathSchema,
  agentNameSchema,
  contextNameSchema,
  branchNameSchema,
  identitySchema,
  projectAgentNameSchema,
  rejectMessageSchema,
  requestIdSchema,
  sessionIdSchema,
  streamIdSchema,
  sha256Schema,
  terminalSizeSchema,
  workspacePathSchema,
} from './validation';

export { identitySchema } from './validation';

const terminalOpenSchema = z.object({ identity: identitySchema, cols: terminalSizeSchema, rows: terminalSizeSchema }).strict();
const identitiesSchema = z.array(identitySchema).max(MAX_BOTTLES_PER_CALL);

const argSchemas = {
  [IpcChannels.listBottles]: z.tuple([]),
  [IpcChannels.listAgents]: z.tuple([z.object({ cwd: absolutePathSchema.optional() }).strict()]),
  [IpcChannels.engineStatus]: z.tuple([]),
  [IpcChannels.listEngines]: z.tuple([]),
  [IpcChannels.startBottle]: z.tuple([
    z.object({ agent: agentNameSchema, cwd: absolutePathSchema, copy: z.boolean(), autonomous: z.boolean().optional(), context: contextNameSchema.optional() }).strict(),
  ]),
  [IpcChannels.stopBottle]: z.tuple([identitySchema]),
  [IpcChannels.removeBottle]: z.tuple([identitySchema, z.object({ keepState: z.boolean() }).strict()]),
  [IpcChannels.resumeBottle]: z.tuple([identitySchema]),
  [IpcChannels.approveRequest]: z.tuple([identitySchema, z.object({ requestId: requestIdSchema, resume: z.boolean(), proposalHash: sha256Schema.optional() }).strict()]),
  [IpcChannels.rejectRequest]: z.tuple([identitySchema, z.object({ requestId: requestIdSchema, message: rejectMessageSchema }).strict()]),
  [IpcChannels.bottleHistory]: z.tuple([identitySchema]),
  [IpcChannels.dismissError]: z.tuple([identitySchema]),
  [IpcChannels.terminalOpen]: z.tuple([terminalOpenSchema]),
  [IpcChannels.terminalInput]: z.tuple([sessionIdSchema, z.string().max(MAX_TERMINAL_INPUT_CHARS)]),
  [IpcChannels.terminalResize]: z.tuple([sessionIdSchema, terminalSizeSchema, terminalSizeSchema]),
  [IpcChannels.terminalClose]: z.tuple([sessionIdSchema]),
  [IpcChannels.chooseFolder]: z.tuple([]),
  [IpcChannels.newestBottles]: z.tuple([z.number().int().min(1).max(MAX_FIRST_SCREEN)]),
  [IpcChannels.bulkAction]: z.tuple([
    z.object({ action: z.enum(['stop', 'remove']), identities: identitiesSchema.min(1), keepState: z.boolean() }).strict(),
  ]),
  [IpcChannels.inspectBottle]: z.tuple([identitySchema]),
  [IpcChannels.shellOpen]: z.tuple([terminalOpenSchema]),
  [IpcChannels.logsOpen]: z.tuple([
    z.object({ identity: identitySchema, tail: z.number().int().min(0).max(MAX_LOG_TAIL_LINES), follow: z.boolean() }).strict(),
  ]),
  [IpcChannels.logsClose]: z.tuple([streamIdSchema]),
  [IpcChannels.statsWatch]: z.tuple([z.object({ subscriptionId: streamIdSchema.nullable(), identities: identitiesSchema }).strict()]),
  [IpcChannels.statsUnwatch]: z.tuple([streamIdSchema]),
  [IpcChannels.reviewProjectAgent]: z.tuple([z.object({ cwd: absolutePathSchema, name: projectAgentNameSchema }).strict()]),
  [IpcChannels.trustProjectAgent]: z.tuple([z.object({ cwd: absolutePathSchema, name: projectAgentNameSchema, contextHash: sha256Schema }).strict()]),
  [IpcChannels.pendingRequest]: z.tuple([identitySchema, requestIdSchema]),
  [IpcChannels.credentialsStatus]: z.tuple([]),
  [IpcChannels.credentialsForget]: z.tuple([]),
  [IpcChannels.credentialsSet]: z.tuple([z.object({ name: z.enum(SECRET_NAMES), value: z.string().min(1).max(MAX_SECRET_VALUE_CHARS) }).strict()]),
  [IpcChannels.watchChanges]: z.tuple([identitySchema]),
  [IpcChannels.unwatchChanges]: z.tuple([identitySchema]),
  [IpcChannels.changedFile]: z.tuple([identitySchema, z.object({ path: workspacePathSchema, view: z.enum(['diff', 'content']) }).strict()]),
  [IpcChannels.applyChanges]: z.tuple([identitySchema, z.object({ dryRun: z.boolean(), sidecars: z.boolean() }).strict()]),
  [IpcChannels.exportChanges]: z.tuple([identitySchema, z.object({ branch: branchNameSchema }).strict()]),
} as const;

/** True only when A and B are the same type (a schema whose output is wider or narrower fails). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Drifted = { [C in IpcChannel]: Same<z.output<(typeof argSchemas)[C]>, IpcArgs<C>> extends true ? never : C }[IpcChannel];
/** Fails to compile, naming the channel, when a schema and its contract signature disagree. */
const noDrift: [Drifted] extends [never] ? true : { drifted: Drifted } = true;
void noDrift;

/** Argument tuple schemas, one per channel: every handler validates with these before acting. */
export const ipcArgSchemas: { readonly [C in IpcChannel]: z.ZodType<IpcArgs<C>> } = argSchemas;
