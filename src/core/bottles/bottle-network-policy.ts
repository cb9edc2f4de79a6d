import { collectRules, type NetworkMode, type NetworkRule } from '../../shared/network-policy';
import { BottleError } from '../base/bottle-error';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { readBottleNetwork } from '../state/bottle-network';
import { operatorNetworkRules, readSettings } from '../state/settings';

/** Everything the gateway decides a bottle's connections with (issue 19): its mode and every scope's rules. */
export interface BottleNetworkPolicy {
  identity: string;
  mode: NetworkMode;
  rules: NetworkRule[];
}

/**
 * A bottle's policy from its three sources: its network.json (mode, its own rules), settings.json
 * (for all bottles, for its agent) and its agent's agent.json (`network.allow`). Each source was
 * checked when read, so a rule that fails to parse here is a bug, and is refused rather than
 * dropped: a dropped deny would let through what the operator refused.
 */
export async function bottleNetworkPolicy(bottle: LoadedBottle): Promise<BottleNetworkPolicy> {
  const [own, settings] = await Promise.all([readBottleNetwork(bottle.identity), readSettings()]);
  const { rules, errors } = collectRules({
    ...operatorNetworkRules(settings.network, bottle.agent.name),
    bottle: { allow: own.allow, deny: own.deny },
    definition: { allow: bottle.agent.config.networkAllow },
  });
  if (errors.length > 0) throw new BottleError('internal', `network rules of ${bottle.identity}: ${errors[0] ?? ''}`);
  return { identity: bottle.identity, mode: own.mode, rules };
}
