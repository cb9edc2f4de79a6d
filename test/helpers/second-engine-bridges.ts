import { execFileSync } from 'node:child_process';
import { afterEach } from 'vitest';
import { secondEngineDocker } from './second-engine';

/*
 * The second test engine runs with `--iptables=false` (it must not fight the first engine over the
 * host's rules), and this host bridges frames through iptables (br_netfilter) with the FORWARD
 * policy the first engine set: DROP. So two containers on one bridge of the second engine cannot
 * speak, where any engine that keeps its own rules (a real remote host, Docker Desktop) accepts
 * traffic within each of its bridges (`-i br-X -o br-X -j ACCEPT`, internal networks included).
 *
 * This does that one thing for a network of the test's own, as the engine would: an ACCEPT for
 * traffic within that bridge only, in DOCKER-USER (the chain the first engine leaves to the
 * operator), removed after the test. Nothing between bridges, nothing of another network.
 */

const added: string[][] = [];

function bridgeRule(bridge: string): string[] {
  return ['DOCKER-USER', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
}

/** Lets containers on one of the second engine's networks (named or by id) reach each other, as its own rules would. */
export async function acceptWithinSecondEngineBridge(network: string): Promise<void> {
  const info = await secondEngineDocker().getNetwork(network).inspect();
  const bridge = (info.Options as Record<string, string> | undefined)?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
  const rule = bridgeRule(bridge);
  execFileSync('iptables', ['-I', ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
  added.push(rule);
}

/** Removes the rules a test added (only those). */
export function removeBridgeRulesAfterEach(): void {
  afterEach(() => {
    for (const rule of added.splice(0)) execFileSync('iptables', ['-D', ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
  });
}
