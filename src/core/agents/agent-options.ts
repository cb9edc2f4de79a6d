import { z } from 'zod';
import { networkRuleListSchema } from '../../shared/validation';
import { credentialDeclarationsSchema, declarationsProblem, type CredentialDeclaration } from './agent-credentials';

/**
 * The agent.json keys for running a real agent the way an operator uses it: the secret files it
 * keeps in its config folder (sign in once), the secret variables it reads, how it runs
 * autonomously, what it needs as root, and which of the operator's own setup files it takes.
 * Kept apart from the core keys in agents.ts; AgentConfig carries them with their defaults.
 */

/** The hook sets an agent.json may ask for (`reportHooks`). */
export const REPORT_HOOK_KINDS = ['claude-code'] as const;
export type ReportHookKind = (typeof REPORT_HOOK_KINDS)[number];

/** One plain name inside a folder: never a path, never `.` or `..`. */
export const PLAIN_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

export function isPlainName(name: string): boolean {
  return name.length <= 128 && PLAIN_NAME_PATTERN.test(name) && name !== '.' && name !== '..';
}

/** Where promptArgs put the task. */
export const PROMPT_PLACEHOLDER = '{prompt}';

const plainName = z.string().refine(isPlainName, 'must be a plain file name (no folders, no "..", not absolute)');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
/** Credential sets name folders under <root>/credentials. */
export const CREDENTIAL_SET_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const agentOptionFields = {
  /** Files in the config folder (transcriptDir) that hold a login: kept in the credential store, never in a snapshot. */
  secretFiles: z.array(plainName).max(16).optional(),
  /** Variables whose values are secrets: taken from the host at launch or from the store, injected as files. */
  secretEnv: z.array(envName).max(32).optional(),
  /** Which credential store folder the agent shares (default: its own name); agents of one set sign in once. */
  credentialSet: z.string().regex(CREDENTIAL_SET_PATTERN, 'must be lower-case letters, digits and -').optional(),
  /** Which secrets the gateway signs requests with, for which hosts and header (agent-credentials.ts). */
  credentials: credentialDeclarationsSchema.optional(),
  /** Appended to command and resumeCommand when the operator launches the bottle autonomous. */
  autonomousArgs: z.array(z.string().min(1)).max(16).optional(),
  /**
   * How the agent takes a first instruction (`start --prompt`): appended to command, after
   * autonomousArgs, at a bottle's first start only, each `{prompt}` replaced by the task. An agent
   * without it refuses a task.
   */
  promptArgs: z
    .array(z.string().min(1))
    .max(16)
    .refine((args) => args.some((arg) => arg.includes(PROMPT_PLACEHOLDER)), `must hold ${PROMPT_PLACEHOLDER} where the task goes`)
    .optional(),
  /** Variables set only when the agent runs as uid 0 (a root-owned project folder in mount mode). */
  rootEnv: z.record(envName, z.string().max(1024)).optional(),
  /** The operator's own setup, copied (never mounted) into the config folder at a bottle's first start. */
  hostConfig: z
    .object({
      /** The host folder, under the operator's home: `~/...`. */
      from: z
        .string()
        .regex(/^~\/[^\0]+$/, 'must be a folder under the home folder, written ~/...')
        .refine((path) => !path.split('/').includes('..'), 'must not contain ".."'),
      /** Files and folders copied as they are. */
      copy: z.array(plainName).max(32).optional(),
      /** Text files appended to the image's own copy (so the bottle's instructions stay). */
      append: z.array(plainName).max(8).optional(),
    })
    .strict()
    .optional(),
  /**
   * What the agent needs on the network (issue 19): host patterns with ports (network-policy.ts)
   * its bottles reach without asking, unless the operator's rules say otherwise. Public
   * destinations only; the operator's rules in settings.json can add the rest.
   */
  network: z
    .object({ allow: networkRuleListSchema('definition', 'allow').optional() })
    .strict()
    .optional(),
  /**
   * How the operator signs the agent in (issue 20, `credentials login`): the command run in a
   * short-lived container of the agent's image, and the only hosts it may reach (public, with
   * ports). What it writes among secretFiles moves to the credential store.
   */
  signIn: z
    .object({
      command: z.array(z.string().min(1)).min(1, 'must name a program').max(32),
      hosts: networkRuleListSchema('definition', 'allow').refine((hosts) => hosts.length > 0, 'must name at least one host'),
    })
    .strict()
    .optional(),
  /**
   * Which hooks report the agent's status and permission questions to the operator (issue 21):
   * `claude-code` registers /opt/claude-bottle/bin/claude-bottle-hook in the bottle's Claude Code
   * settings.json (report-hooks.ts), beside the operator's own hooks.
   */
  reportHooks: z.enum(REPORT_HOOK_KINDS).optional(),
};

export interface HostConfigSpec {
  /** Relative to the operator's home (the `~/` stripped). */
  from: string;
  copy: string[];
  append: string[];
}

export interface AgentOptions {
  secretFiles: string[];
  secretEnv: string[];
  /** Null: the agent's own name decides (see credentialSetOf). */
  credentialSet: string | null;
  /** agent.json `credentials`: the secrets the gateway injects; the others stay in the bottle. */
  credentials: CredentialDeclaration[];
  autonomousArgs: string[];
  /** agent.json `promptArgs`; empty: the agent takes no task at start. */
  promptArgs: string[];
  rootEnv: Record<string, string>;
  hostConfig: HostConfigSpec | null;
  /** agent.json `network.allow`, each in its canonical text. */
  networkAllow: string[];
  /** agent.json `signIn`, its hosts in canonical text; null: the agent has no sign-in flow. */
  signIn: SignInSpec | null;
  /** agent.json `reportHooks`; null: the agent reports through bottle-report itself, or not at all. */
  reportHooks: ReportHookKind | null;
}

export interface SignInSpec {
  command: string[];
  hosts: string[];
}

type ParsedOptions = { [K in keyof typeof agentOptionFields]?: z.output<(typeof agentOptionFields)[K]> };

/** Cross-field rules, as one-line messages naming the field; null when the options hold together. */
export function agentOptionsProblem(
  config: ParsedOptions & { transcriptDir?: string | undefined },
): { field: string; message: string } | null {
  if ((config.secretFiles?.length ?? 0) > 0 && config.transcriptDir === undefined) {
    return { field: 'secretFiles', message: 'needs transcriptDir (secret files live in the config folder)' };
  }
  if (config.hostConfig !== undefined && config.transcriptDir === undefined) {
    return { field: 'hostConfig', message: 'needs transcriptDir (the setup is copied into the config folder)' };
  }
  const secrets = new Set(config.secretFiles ?? []);
  const copied = [...(config.hostConfig?.copy ?? []), ...(config.hostConfig?.append ?? [])];
  const leak = copied.find((name) => secrets.has(name));
  if (leak !== undefined) return { field: 'hostConfig', message: `must not copy the secret file ${leak}` };
  if (config.reportHooks !== undefined && config.transcriptDir === undefined)
    return { field: 'reportHooks', message: 'needs transcriptDir (the hooks go into the settings in the config folder)' };
  if (config.signIn !== undefined && (config.secretFiles?.length ?? 0) === 0)
    return { field: 'signIn', message: 'needs secretFiles (the login files a sign-in writes)' };
  return declarationsProblem(config.credentials ?? [], config.secretFiles ?? [], config.secretEnv ?? []);
}

export function agentOptionsFrom(config: ParsedOptions): AgentOptions {
  const host = config.hostConfig;
  return {
    secretFiles: config.secretFiles ?? [],
    secretEnv: config.secretEnv ?? [],
    credentialSet: config.credentialSet ?? null,
    credentials: config.credentials ?? [],
    autonomousArgs: config.autonomousArgs ?? [],
    promptArgs: config.promptArgs ?? [],
    rootEnv: config.rootEnv ?? {},
    hostConfig:
      host === undefined ? null : { from: host.from.slice(2).replace(/\/+$/, ''), copy: host.copy ?? [], append: host.append ?? [] },
    networkAllow: config.network?.allow ?? [],
    signIn: config.signIn === undefined ? null : { command: config.signIn.command, hosts: config.signIn.hosts },
    reportHooks: config.reportHooks ?? null,
  };
}

/** The agent's promptArgs with the task in place of each `{prompt}` (split and joined: a `$` in the task stays as typed). */
export function promptArgsFor(options: Pick<AgentOptions, 'promptArgs'>, task: string): string[] {
  return options.promptArgs.map((arg) => arg.split(PROMPT_PLACEHOLDER).join(task));
}

/** An agent.json that says none of this: what AgentConfig holds then. */
export const DEFAULT_AGENT_OPTIONS: AgentOptions = agentOptionsFrom({});
