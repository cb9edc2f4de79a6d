/**
 * The validating side of the contract: every channel's argument schema, built once from its entry in
 * ipc-contract.ts with zod and the field schemas of validation.ts. The main-side dispatcher
 * validates with these before any handler runs. Kept apart from ipc-contract.ts so the sandboxed
 * preload and the page, which need the channels but never validate, do not pull in zod.
 */
import { z } from 'zod';
import type { BulkRequest, LogsOpenRequest } from './bottle-requests';
import type { StatsWatchRequest } from './bottle-stats';
import type { StartBottleRequest } from './bottle-view';
import type { ResolveRequest } from './changes';
import { IPC_CHANNEL_NAMES, ipcChannels, type IpcArgs, type IpcChannel } from './ipc-contract';
import { MAX_BOTTLES_PER_CALL } from './rules';
import {
  absolutePathSchema,
  agentNameSchema,
  blobIdSchema,
  containerIdSchema,
  contextNameSchema,
  branchNameSchema,
  bottleNameSchema,
  checkpointNameSchema,
  checkpointRefSchema,
  identitySchema,
  projectAgentNameSchema,
  rejectMessageSchema,
  editedDockerfileSchema,
  networkModeSchema,
  requestIdSchema,
  sessionIdSchema,
  streamIdSchema,
  sha256Schema,
  taskTextSchema,
  terminalSizeSchema,
  workspacePathSchema,
} from './validation';

export { identitySchema } from './validation';

/** What each channel's entry builds its argument schema from: zod, and the fields channels share. */
const schemaKit = {
  z,
  absolutePath: absolutePathSchema,
  blobId: blobIdSchema,
  agentName: agentNameSchema,
  branchName: branchNameSchema,
  bottleName: bottleNameSchema,
  checkpointName: checkpointNameSchema,
  checkpointRef: checkpointRefSchema,
  containerId: containerIdSchema,
  contextName: contextNameSchema,
  editedDockerfile: editedDockerfileSchema,
  identity: identitySchema,
  identities: z.array(identitySchema).max(MAX_BOTTLES_PER_CALL),
  networkMode: networkModeSchema,
  projectAgentName: projectAgentNameSchema,
  rejectMessage: rejectMessageSchema,
  requestId: requestIdSchema,
  sessionId: sessionIdSchema,
  sha256: sha256Schema,
  streamId: streamIdSchema,
  taskText: taskTextSchema,
  terminalOpenRequest: z.object({ identity: identitySchema, cols: terminalSizeSchema, rows: terminalSizeSchema }).strict(),
  terminalSize: terminalSizeSchema,
  workspacePath: workspacePathSchema,
};
export type SchemaKit = typeof schemaKit;

/** True only when A and B are the same type (a schema whose output is wider or narrower fails). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The channels whose argument is a request type the core declares: each schema must parse exactly it. */
interface CoreRequests {
  'bottle:start': [StartBottleRequest];
  'changes:resolve': [string, ResolveRequest];
  'bottles:bulk': [BulkRequest];
  'logs:open': [LogsOpenRequest];
  'stats:watch': [StatsWatchRequest];
}
type Drifted = { [C in keyof CoreRequests]: Same<IpcArgs<C>, CoreRequests[C]> extends true ? never : C }[keyof CoreRequests];
/** Fails to compile, naming the channel, when a schema and the core's request type disagree. */
const noDrift: [Drifted] extends [never] ? true : { drifted: Drifted } = true;
void noDrift;

function buildSchemas(): { readonly [C in IpcChannel]: z.ZodType<IpcArgs<C>> } {
  const schemas: Partial<Record<IpcChannel, z.ZodType<unknown[]>>> = {};
  for (const channel of IPC_CHANNEL_NAMES) schemas[channel] = ipcChannels[channel].args(schemaKit);
  // Each schema is its own entry's, so its output is that channel's IpcArgs by definition.
  return schemas as { readonly [C in IpcChannel]: z.ZodType<IpcArgs<C>> };
}

/** Argument tuple schemas, one per channel: every handler validates with these before acting. */
export const ipcArgSchemas = buildSchemas();
