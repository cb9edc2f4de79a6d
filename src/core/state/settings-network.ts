import { parseHostPattern, type RuleEffect } from '../../shared/network-policy';
import { isAgentName } from '../../shared/rules';
import { BottleError } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { settled } from '../base/settled';
import { writeFileAtomic } from '../fs/atomic-write';
import { isMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { checkSettings } from './settings';
import { settingsPath } from './state-paths';

/*
 * The one write of settings.json (issue 19): an operator's "allow for this agent" answer, kept in
 * `network.agents.<agent>.allow` (or `.deny`). settings.json is the operator's own file: it is read
 * afresh right before the write, a file that does not parse or check is refused (never replaced),
 * and every other key, known or not, is written back as it was. The write is atomic: a crash
 * leaves the old file or the new one.
 */

const MAX_SETTINGS_BYTES = 64 * 1024;

let queue: Promise<unknown> = Promise.resolve();

/** The file's JSON object as written; null when there is none. Throws for one that cannot be trusted. */
async function readRawSettings(): Promise<Record<string, unknown> | null> {
  const path = settingsPath();
  let text: string;
  try {
    text = await readRegularFile(path, MAX_SETTINGS_BYTES);
  } catch (error: unknown) {
    if (isMissing(error)) return null;
    throw error;
  }
  const json = parseJson(text);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new BottleError('invalid-argument', `${path}: not a JSON object; not changed`);
  // Checked as every reader checks it: a file the core would refuse is not written over.
  checkSettings(json, path);
  return json as Record<string, unknown>;
}

function objectAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = Object.hasOwn(parent, key) ? parent[key] : undefined;
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BottleError('invalid-argument', `${settingsPath()}: "${key}" is not an object; not changed`);
  return value as Record<string, unknown>;
}

function canonical(rule: string): string {
  const parsed = parseHostPattern(rule);
  return parsed.ok ? parsed.value.text : rule;
}

function listAt(parent: Record<string, unknown>, key: string): string[] {
  const value = Object.hasOwn(parent, key) ? parent[key] : undefined;
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/**
 * Adds a rule for every bottle of one agent, in canonical text, once; taken out of the other list
 * so the latest answer about a destination is the one kept. One change at a time in this process.
 */
export function addAgentNetworkRule(agent: string, effect: RuleEffect, pattern: string): Promise<void> {
  if (!isAgentName(agent))
    return Promise.reject(new BottleError('invalid-argument', `${JSON.stringify(agent.slice(0, 80))} is not an agent name`));
  const parsed = parseHostPattern(pattern);
  if (!parsed.ok) return Promise.reject(new BottleError('invalid-argument', parsed.error));
  const text = parsed.value.text;
  const next = settled(queue).then(async () => {
    const raw = (await readRawSettings()) ?? { version: 1 };
    const network = objectAt(raw, 'network');
    const agents = objectAt(network, 'agents');
    const own = objectAt(agents, agent);
    const other = effect === 'allow' ? 'deny' : 'allow';
    // Compared in canonical text: the operator may have written `Example.com:443` by hand.
    const without = (list: string[]): string[] => list.filter((rule) => canonical(rule) !== text);
    const updatedOwn: Record<string, unknown> = { ...own, [effect]: [...without(listAt(own, effect)), text] };
    if (Object.hasOwn(own, other)) updatedOwn[other] = without(listAt(own, other));
    const updated = { ...raw, network: { ...network, agents: { ...agents, [agent]: updatedOwn } } };
    // Checked before the write: a list past its cap would otherwise make every later read refuse the file.
    checkSettings(updated);
    await writeFileAtomic(settingsPath(), `${JSON.stringify(updated, null, 2)}\n`);
  });
  queue = next;
  return next;
}
