/**
 * zod schemas for values that arrive from outside, built from the plain rules in rules.ts (which
 * the renderer uses without pulling in zod): the IPC schemas and the core check with these.
 */
import { z } from 'zod';
import { BOTTLE_NAME_PATTERN, MAX_TASK_CHARS, TASK_TEXT_PATTERN } from './agent-reports';
import { IDENTITY_MAX_LENGTH, IDENTITY_PATTERN } from './identity';
import {
  branchNameProblem,
  isAbsolutePath,
  isAgentName,
  isContextName,
  isSafeName,
  MAX_PATH_CHARS,
  MAX_REJECT_MESSAGE_CHARS,
  editedDockerfileProblem,
  projectAgentFolder,
} from './rules';
import { NETWORK_MODES, parseRuleList, type RuleEffect, type RuleScope } from './network-policy';
import { checkpointNameProblem, isCheckpointId } from './checkpoints';

export const identitySchema = z.string().max(IDENTITY_MAX_LENGTH).regex(IDENTITY_PATTERN, 'invalid bottle identity');
export const requestIdSchema = z.string().refine(isSafeName, 'invalid request id');
export const agentNameSchema = z.string().refine(isAgentName, 'invalid agent name');
export const projectAgentNameSchema = z
  .string()
  .refine((value) => projectAgentFolder(value) !== null, 'invalid project agent name (expected project:NAME)');
/** A container's full id, as the engine names it. */
export const containerIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a container id (64 hex digits)');
/** Git's id of a blob (SHA-1, or SHA-256 in a SHA-256 repository), as the merge view names a version. */
export const blobIdSchema = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a git blob id');
export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');
export const contextNameSchema = z.string().refine(isContextName, 'invalid Docker context name');
export const absolutePathSchema = z.string().refine(isAbsolutePath, 'must be an absolute path');
export const rejectMessageSchema = z.string().max(MAX_REJECT_MESSAGE_CHARS);
export const editedDockerfileSchema = z.string().superRefine((text, check) => {
  const problem = editedDockerfileProblem(text);
  if (problem !== null) check.addIssue({ code: 'custom', message: problem });
});
export const bottleNameSchema = z
  .string()
  .regex(BOTTLE_NAME_PATTERN, 'a bottle name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
export const taskTextSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_TASK_CHARS, `must be at most ${MAX_TASK_CHARS} characters`)
  .regex(TASK_TEXT_PATTERN, 'must not hold control characters other than newline and tab');
/** A checkpoint's name (issue 24): the rule shared/checkpoints.ts states, for the CLI and the core alike. */
export const checkpointNameSchema = z.string().superRefine((name, context) => {
  const problem = checkpointNameProblem(name);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
});
/** A checkpoint named by its id, or by its name (checked as a name is): never a path. */
export const checkpointRefSchema = z.string().superRefine((ref, context) => {
  if (isCheckpointId(ref)) return;
  const problem = checkpointNameProblem(ref);
  if (problem !== null) context.addIssue({ code: 'custom', message: `not a checkpoint id or name: ${problem}` });
});
export const sessionIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9-]+$/, 'invalid terminal session');
export const terminalSizeSchema = z.number().int().min(1).max(1000);
export const streamIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9-]+$/, 'invalid stream id');
export const branchNameSchema = z.string().refine((name) => branchNameProblem(name) === null, 'invalid branch name');
/** A path inside a bottle's workspace; the core checks it is relative and stays inside. */
export const workspacePathSchema = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS)
  .refine((path) => !path.includes('\0'), 'invalid path');

export const networkModeSchema = z.enum(NETWORK_MODES);

/**
 * A list of network rules (host patterns, network-policy.ts) for one scope and effect: each checked,
 * the first bad one named in a one-line message, each stored in its canonical text.
 */
export function networkRuleListSchema(scope: RuleScope, effect: RuleEffect): z.ZodType<string[], string[]> {
  return z.array(z.string()).transform((texts, context) => {
    const parsed = parseRuleList(texts, scope, effect);
    if (parsed.ok) return parsed.value.map((rule) => rule.pattern.text);
    context.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  });
}
