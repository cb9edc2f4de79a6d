import { hostname } from 'node:os';
import { parseRuleList } from '../../shared/network-policy';
import type { BottleNetworkPolicy } from './bottle-network-policy';
import { LABEL_IDENTITY, LABEL_INSTANCE } from '../engine/bottle-containers';
import { instanceId } from '../state/instance-id';

/*
 * What marks the sign-in flow's container and network on the engine (issue 20). The labels carry
 * everything another process needs: the gateway's tables are pushed by whichever core of this root
 * changes something (the app may push while the CLI signs in), so the flow's network says itself
 * which agent it signs in and the only hosts it may reach; and the process that made them, so a
 * later run finds what a crashed one left behind.
 */

/** The agent signed in; on the flow's container and network. */
export const LABEL_SIGN_IN = 'claude-bottle.sign-in';
/** The agent's signIn hosts, comma-separated, fixed when the flow starts. */
export const LABEL_SIGN_IN_HOSTS = 'claude-bottle.sign-in-hosts';
/** `<host name>:<pid>` of the process running the flow. */
export const LABEL_SIGN_IN_OWNER = 'claude-bottle.sign-in-owner';

/** The identity prefix of a flow's container and network (never a bottle's state folder). */
export const SIGN_IN_IDENTITY_PREFIX = 'sign-in-';

function ownerText(): string {
  return `${hostname()}:${process.pid}`;
}

/** The labels of one flow's container and network (the network adds its own identity and instance labels). */
export function signInLabels(identity: string, agent: string, hosts: readonly string[]): Record<string, string> {
  return {
    [LABEL_SIGN_IN]: agent,
    [LABEL_SIGN_IN_HOSTS]: hosts.join(','),
    [LABEL_SIGN_IN_OWNER]: ownerText(),
    [LABEL_IDENTITY]: identity,
    [LABEL_INSTANCE]: instanceId(),
  };
}

/**
 * Whether the process that made a flow's objects is gone (on this machine: its pid no longer
 * runs). A flow of another machine sharing the engine is never ours to judge: left alone.
 */
export function isLeftover(labels: Readonly<Record<string, string>> | undefined): boolean {
  const owner = labels?.[LABEL_SIGN_IN_OWNER] ?? '';
  const split = owner.lastIndexOf(':');
  const pid = Number(owner.slice(split + 1));
  if (split <= 0) return true;
  if (owner.slice(0, split) !== hostname()) return false;
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error: unknown) {
    // EPERM: it runs, as someone else. Only "no such process" makes a leftover.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The gateway's policy for a sign-in flow's network, from its labels: locked (nothing is held for
 * the operator, nothing else allowed), its signIn hosts allowed and nothing more; no rule of
 * settings.json or of the agent's `network.allow` applies. Null for any other network. Hosts that
 * do not parse as the definition's public allow rules are dropped: the flow then reaches nothing.
 */
export function signInGatewayPolicy(
  identity: string,
  labels: Readonly<Record<string, string>>,
): { agent: string; policy: BottleNetworkPolicy } | null {
  const agent = labels[LABEL_SIGN_IN];
  if (agent === undefined) return null;
  const texts = (labels[LABEL_SIGN_IN_HOSTS] ?? '').split(',').filter((text) => text !== '');
  const parsed = parseRuleList(texts, 'definition', 'allow');
  return { agent, policy: { identity, mode: 'locked', rules: parsed.ok ? parsed.value : [] } };
}
