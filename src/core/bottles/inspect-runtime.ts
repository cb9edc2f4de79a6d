import type { InspectNetwork, InspectRunAs } from '../../shared/bottle-inspect';
import { errorMessage } from '../base/bottle-error';
import { bottleNetworkName } from '../engine/bottle-networks';
import { resolveExecUser, type PasswdEntry } from '../engine/container-user';
import type { EngineClient } from '../engine/engine-client';
import type { ContainerInspectInfo } from '../engine/engine-container';
import { cachedImagePasswd, readImagePasswdStrictly } from '../engine/image-users';
import { imageCacheDir } from '../state/state-paths';

/*
 * What Inspect says of a running container beyond its build: who it runs as (root warned of),
 * the names of its environment, its networks, and the engine's own JSON. The environment holds
 * values passed through from the operator's shell, which may be secrets, so no value leaves here:
 * names only, and in the JSON every `Env` entry is cut to `NAME=…`.
 */

/** What an `Env` value becomes wherever one is shown. */
export const REDACTED_VALUE = '…';

/** `NAME=value` to `NAME`; an entry without `=` (the engine reads it as "pass the variable on") is its name. */
function envName(entry: string): string {
  const equals = entry.indexOf('=');
  return equals === -1 ? entry : entry.slice(0, equals);
}

/** The names of an engine `Env` list, in its order, never a value. */
export function envNamesOf(env: readonly string[] | null | undefined): string[] {
  return (env ?? []).map(envName);
}

/**
 * A copy of an engine JSON value with every `Env` list, at any depth, cut to `NAME=…`: the
 * container's `Config.Env` today, and any other place a later engine version puts one.
 */
export function redactEnv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactEnv);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] =
      key === 'Env' && Array.isArray(inner)
        ? inner.map((entry: unknown) => (typeof entry === 'string' ? `${envName(entry)}=${REDACTED_VALUE}` : REDACTED_VALUE))
        : redactEnv(inner);
  }
  return copy;
}

/** The engine's inspect JSON as Inspect's "Raw JSON" shows it: pretty-printed, environment values redacted. */
export function redactedEngineJson(inspected: ContainerInspectInfo): string {
  return JSON.stringify(redactEnv(inspected), null, 2);
}

/** The networks the container is on, the bottle's own (where the gateway sits) named as the gateway network. */
export function networksOf(identity: string, inspected: ContainerInspectInfo): InspectNetwork[] {
  const own = bottleNetworkName(identity);
  return Object.entries(inspected.NetworkSettings?.Networks ?? {})
    .map(([name, network]): InspectNetwork => ({
      name,
      role: name === own ? 'gateway' : name === 'bridge' ? 'engine-default' : 'other',
      ipAddress: network.IPAddress === '' ? null : network.IPAddress,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const ROOT_MEANS =
  'The agent runs as root (uid 0) in its container: it can change anything there, the tools it is watched with included, and a hole in the engine or the kernel is reached as root.';

/** What to do about it: mount mode runs as the project folder's owner, copy mode as the agent's user. */
function rootAdvice(mountMode: boolean): string {
  return mountMode
    ? 'Mount mode runs it as the owner of the project folder, and that is root: start it in copy mode, or from a folder your own user owns.'
    : 'Give its agent an ordinary user (agent.json "user", or a USER line in its Dockerfile), then start a new bottle.';
}

/**
 * Who the container runs as: its `User` (the create's, else the image's, as the engine merged
 * them) resolved to a uid against the image's own /etc/passwd, as the engine resolved it at the
 * start. The image's, not the running container's: an agent running as root could rewrite that one.
 */
export async function runAsOf(docker: EngineClient, inspected: ContainerInspectInfo, mountMode: boolean): Promise<InspectRunAs> {
  const user = inspected.Config.User ?? '';
  let passwd: PasswdEntry[];
  try {
    passwd =
      (await cachedImagePasswd(imageCacheDir(), inspected.Image)) ??
      (await readImagePasswdStrictly(docker, imageCacheDir(), inspected.Image)) ??
      [];
  } catch (error: unknown) {
    return { user, uid: null, uidError: `cannot read the image's users: ${errorMessage(error)}`, rootWarning: null };
  }
  const resolved = resolveExecUser(user, passwd);
  if (resolved === null) return { user, uid: null, uidError: `the image has no user ${JSON.stringify(user)}`, rootWarning: null };
  return {
    user,
    uid: resolved.uid,
    uidError: null,
    rootWarning: resolved.uid === 0 ? `${ROOT_MEANS} ${rootAdvice(mountMode)}` : null,
  };
}
