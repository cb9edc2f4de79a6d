import { lstat } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_NETWORK_MODE, parseHostPattern, type NetworkMode, type RuleEffect } from '../../shared/network-policy';
import { networkModeSchema, networkRuleListSchema } from '../../shared/validation';
import { BottleError } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { settled } from '../base/settled';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists } from '../fs/if-exists';
import { readSmallFile } from '../fs/read-small-file';
import { BOTTLE_FILES, bottlePaths } from './state-paths';

/*
 * A bottle's network choices (issue 19): the mode chosen at launch and the rules the operator gave
 * this bottle alone. Our own file beside metadata.json, in the bottle's state folder, so it is kept
 * across stop, resume and rebuild and exported with the bottle. No file: the default mode (`ask`)
 * and no rules, as for every bottle made before issue 19.
 *
 * A file that is a link, a FIFO, too large, not JSON or not in this shape is refused with a one-line
 * error, never read as the defaults: that would quietly drop the operator's rules or mode. An update
 * refuses such a file too, so nothing the operator wrote is overwritten.
 */

const FILE = BOTTLE_FILES.network;
/** Two lists of at most 500 rules of at most 300 characters, with room to spare. */
const MAX_BOTTLE_NETWORK_BYTES = 512 * 1024;

export interface BottleNetwork {
  mode: NetworkMode;
  /** Host patterns (network-patterns.ts) in canonical text: allowed for this bottle, or denied. */
  allow: string[];
  deny: string[];
}

export const DEFAULT_BOTTLE_NETWORK: BottleNetwork = { mode: DEFAULT_NETWORK_MODE, allow: [], deny: [] };

const fileSchema = z
  .object({
    version: z.literal(1),
    mode: networkModeSchema,
    allow: networkRuleListSchema('bottle', 'allow'),
    deny: networkRuleListSchema('bottle', 'deny'),
  })
  .strict();

function problem(identity: string, what: string): BottleError {
  return new BottleError('corrupt', `${identity}: ${FILE} ${what}`);
}

/** The file's content checked; a one-line error naming the field when it is not a network record. */
function parseBottleNetwork(identity: string, text: string): BottleNetwork {
  const json = parseJson(text);
  if (json === undefined) throw problem(identity, 'is not valid JSON');
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)';
    throw problem(identity, `field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  const { mode, allow, deny } = parsed.data;
  return { mode, allow, deny };
}

/** The bottle's network choices: the defaults when it has no file; throws (code `corrupt`) for a file it cannot trust. */
export async function readBottleNetwork(identity: string): Promise<BottleNetwork> {
  const read = await readSmallFile(bottlePaths(identity).network, MAX_BOTTLE_NETWORK_BYTES);
  if (read.kind === 'missing') return { ...DEFAULT_BOTTLE_NETWORK, allow: [], deny: [] };
  if (read.kind === 'corrupt') throw problem(identity, read.reason);
  return parseBottleNetwork(identity, read.text);
}

function serialize(identity: string, network: BottleNetwork): string {
  const text = `${JSON.stringify({ version: 1, mode: network.mode, allow: network.allow, deny: network.deny }, null, 2)}\n`;
  // What is written is what a read accepts, checked before the file is touched.
  const checked = parseBottleNetwork(identity, text);
  return `${JSON.stringify({ version: 1, ...checked }, null, 2)}\n`;
}

async function requireBottleFolder(identity: string): Promise<void> {
  const dir = bottlePaths(identity).dir;
  // Never creates a state folder for an identity that has none (a typo in `allow <id>`), nor writes through a link.
  if ((await ifExists(lstat(dir)))?.isDirectory() !== true) throw new BottleError('not-found', `no bottle ${identity}`);
}

/** Writes the whole record (at launch): checked, atomically, into an existing bottle's folder. */
export async function writeBottleNetwork(identity: string, network: BottleNetwork): Promise<void> {
  const text = serialize(identity, network);
  await requireBottleFolder(identity);
  await writeFileAtomic(bottlePaths(identity).network, text);
}

/** Updates in this process, one after the other per bottle, so two answers never lose each other. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Reads, changes and writes the record, one update at a time per bottle in this process. A file
 * that cannot be read as a network record is refused, never replaced. (Two processes updating the
 * same bottle at the same instant can still lose one change: the app and the CLI answer through
 * the gateway's control channel, which serialises them.)
 */
export function updateBottleNetwork(identity: string, change: (current: BottleNetwork) => BottleNetwork): Promise<BottleNetwork> {
  const previous = queues.get(identity) ?? Promise.resolve();
  const next = settled(previous).then(async () => {
    const updated = change(await readBottleNetwork(identity));
    await writeBottleNetwork(identity, updated);
    return updated;
  });
  queues.set(identity, next);
  void settled(next).then(() => {
    if (queues.get(identity) === next) queues.delete(identity);
  });
  return next;
}

export function setBottleNetworkMode(identity: string, mode: NetworkMode): Promise<BottleNetwork> {
  return updateBottleNetwork(identity, (current) => ({ ...current, mode }));
}

/**
 * Adds a rule for this bottle (an operator's "allow for this bottle" or "deny"): in canonical text,
 * once, and taken out of the other list, so the latest answer about a destination is the one kept.
 */
export function addBottleNetworkRule(identity: string, effect: RuleEffect, pattern: string): Promise<BottleNetwork> {
  const parsed = parseHostPattern(pattern);
  if (!parsed.ok) return Promise.reject(new BottleError('invalid-argument', parsed.error));
  const text = parsed.value.text;
  return updateBottleNetwork(identity, (current) => {
    const without = (list: string[]): string[] => list.filter((rule) => rule !== text);
    const allow = effect === 'allow' ? [...without(current.allow), text] : without(current.allow);
    const deny = effect === 'deny' ? [...without(current.deny), text] : without(current.deny);
    return { ...current, allow, deny };
  });
}

/** Takes a rule out of this bottle's lists (either effect); unchanged when it is not there. */
export function removeBottleNetworkRule(identity: string, pattern: string): Promise<BottleNetwork> {
  const parsed = parseHostPattern(pattern);
  if (!parsed.ok) return Promise.reject(new BottleError('invalid-argument', parsed.error));
  const text = parsed.value.text;
  return updateBottleNetwork(identity, (current) => ({
    ...current,
    allow: current.allow.filter((rule) => rule !== text),
    deny: current.deny.filter((rule) => rule !== text),
  }));
}
