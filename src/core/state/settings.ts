import { isMissing } from '../fs/if-exists';
import { z } from 'zod';
import { readRegularFile } from '../fs/read-regular-file';
import { BottleError } from '../base/bottle-error';
import { parseByteSize } from './byte-size';
import { settingsPath } from './state-paths';
import { parseJson } from '../base/parse-json';
import { isAgentName } from '../../shared/rules';
import { networkRuleListSchema } from '../../shared/validation';
import type { ScopedRuleTexts } from '../../shared/network-policy';
import { credentialUpstreamsSchema } from './settings-credentials';

/** A size as a number of bytes or a text like "2G" / "500M". */
const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, context) => {
  const bytes = typeof value === 'number' ? value : parseByteSize(value);
  if (bytes === null) {
    context.addIssue({ code: 'custom', message: 'must be a size such as 2G, 500M or a number of bytes' });
    return z.NEVER;
  }
  return bytes;
});

/** Agents the operator may name in settings.json `network.agents`: far above any real list. */
const MAX_NETWORK_AGENTS = 200;

const agentRules = z
  .object({ allow: networkRuleListSchema('agent', 'allow').optional(), deny: networkRuleListSchema('agent', 'deny').optional() })
  .strict();

/**
 * The operator's network rules (issue 19): `allow`/`deny` for every bottle, and `agents.<name>`
 * for the bottles of one agent (a plain name, or project:NAME). Host patterns as in
 * src/shared/network-patterns.ts, each kept in its canonical text.
 */
const networkSettings = z
  .object({
    allow: networkRuleListSchema('operator', 'allow').optional(),
    deny: networkRuleListSchema('operator', 'deny').optional(),
    agents: z
      .record(z.string(), agentRules)
      .superRefine((agents, context) => {
        const names = Object.keys(agents);
        if (names.length > MAX_NETWORK_AGENTS)
          context.addIssue({ code: 'custom', message: `must name at most ${MAX_NETWORK_AGENTS} agents` });
        const bad = names.find((name) => !isAgentName(name));
        // The name shown quoted and cut short: the message stays one line whatever the key holds.
        if (bad !== undefined)
          context.addIssue({ code: 'custom', message: `${JSON.stringify(bad.slice(0, 80))} is not an agent name (NAME or project:NAME)` });
      })
      .optional(),
  })
  .strict()
  .transform((network): NetworkSettings => ({
    allow: network.allow ?? [],
    deny: network.deny ?? [],
    agents: Object.fromEntries(
      Object.entries(network.agents ?? {}).map(([name, rules]) => [name, { allow: rules.allow ?? [], deny: rules.deny ?? [] }]),
    ),
  }));

export interface NetworkRuleTexts {
  allow: string[];
  deny: string[];
}

export interface NetworkSettings extends NetworkRuleTexts {
  agents: Record<string, NetworkRuleTexts>;
}

/** The operator's rules that apply to the bottles of one agent: its own, and those for all bottles. */
export function operatorNetworkRules(network: NetworkSettings, agentName: string): ScopedRuleTexts {
  // An own property only: an agent named like an Object prototype key must find nothing.
  const forAgent = Object.hasOwn(network.agents, agentName) ? network.agents[agentName] : undefined;
  return { operator: { allow: network.allow, deny: network.deny }, agent: forAgent ?? { allow: [], deny: [] } };
}

/**
 * The operator's defaults, `<root>/settings.json` (DESIGN.md §2): every key optional, every value
 * checked. Each feature adds its own key here with its default; readers get a complete object.
 */
const settingsSchema = z
  .object({
    /** Reserved so the file can say which format it is written in. */
    version: z.literal(1).optional(),
    /**
     * Issue 19, on by default: each bottle on its own isolated network, whose only way out is the
     * gateway container's proxy. `false` gives bottles the engine's default network again, for an
     * operator whose engine cannot build or run the gateway (and who accepts an open door).
     */
    gatewayNetwork: z.boolean().optional(),
    /** The image the gateway image is built FROM: it must have `node` on its PATH. */
    gatewayBaseImage: z
      .string()
      .regex(/^[a-z0-9][a-zA-Z0-9._\-/:@]*$/, 'must be an image name such as node:22-slim')
      .optional(),
    /** Cap on a bottle's saved snapshot (transcript + workspace); CLAUDE_BOTTLE_MAX_SNAPSHOT wins. */
    maxSnapshotBytes: byteSize.optional(),
    /** Cap on everything in a bottle's inbox folder: past it new requests are refused. */
    maxInboxBytes: byteSize.optional(),
    /** Disk budget of a bottle's checkpoints together (issue 24): a checkpoint that would pass it is refused. */
    maxCheckpointBytes: byteSize.optional(),
    /**
     * Disk budget of the host folders a bottle can write (its inbox; never the project folder in
     * mount mode): past it, or past maxHostWriteEntries entries, the bottle is stopped. The
     * snapshot cap bounds it too: the smaller of the two applies.
     */
    maxHostWriteBytes: byteSize.optional(),
    maxHostWriteEntries: z.number().int().min(1).max(10_000_000).optional(),
    /** Requests that may wait for the operator per bottle; the rest are refused. */
    maxPendingRequests: z.number().int().min(1).max(1000).optional(),
    /** CPUs per bottle; null: all of the engine's CPUs but one (at least one). */
    cpus: z.number().positive().max(1024).nullable().optional(),
    /** Container log rotation (json-file driver): size of one file, and how many are kept. */
    logMaxSize: z
      .string()
      .regex(/^[1-9]\d*[kmg]?$/, 'must be a size such as 10m')
      .optional(),
    logMaxFiles: z.number().int().min(1).max(100).optional(),
    /**
     * Copy the operator's own agent setup (for Claude Code: ~/.claude's CLAUDE.md, settings.json,
     * agents/, commands/, skills/) into a new bottle of an agent that declares hostConfig.
     */
    copyHostConfig: z.boolean().optional(),
    /** Network rules for all bottles and per agent (issue 19). */
    network: networkSettings.optional(),
    /** Where requests the gateway signs for a host:port go instead of its DNS answer (settings-credentials.ts, issue 20). */
    credentialUpstreams: credentialUpstreamsSchema.optional(),
  })
  .strict();

export type Settings = Required<z.infer<typeof settingsSchema>>;

export const DEFAULT_SETTINGS: Settings = {
  version: 1,
  gatewayNetwork: true,
  gatewayBaseImage: 'node:22-slim',
  maxSnapshotBytes: 2 * 1024 ** 3,
  maxInboxBytes: 1024 ** 2,
  maxCheckpointBytes: 10 * 1024 ** 3,
  // Far above what requests and answers take (the inbox refuses requests past maxInboxBytes), far
  // below a disk: an agent that writes this much there is not asking for anything.
  maxHostWriteBytes: 64 * 1024 ** 2,
  maxHostWriteEntries: 10_000,
  maxPendingRequests: 20,
  cpus: null,
  logMaxSize: '10m',
  logMaxFiles: 3,
  copyHostConfig: true,
  network: { allow: [], deny: [], agents: {} },
  credentialUpstreams: {},
};

const MAX_SETTINGS_BYTES = 64 * 1024;

/** The settings, with defaults for what the file leaves out; no file means all defaults. */
export async function readSettings(): Promise<Settings> {
  const path = settingsPath();
  let text: string;
  try {
    text = await readRegularFile(path, MAX_SETTINGS_BYTES);
  } catch (error: unknown) {
    if (isMissing(error)) return { ...DEFAULT_SETTINGS };
    throw new BottleError(
      'invalid-argument',
      `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const json = parseJson(text);
  if (json === undefined) throw new BottleError('invalid-argument', `${path}: not valid JSON`);
  return checkSettings(json, path);
}

/** Settings JSON checked as readSettings checks the file; throws a one-line error naming the field. */
export function checkSettings(json: unknown, path: string = settingsPath()): Settings {
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)';
    throw new BottleError('invalid-argument', `${path}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  return { ...DEFAULT_SETTINGS, ...stripUndefined(parsed.data) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
