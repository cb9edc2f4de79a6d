/**
 * Where each of an agent's secrets goes (issue 20), as the Trust step and the Inspect tab name it:
 * signed by the gateway (the bottle holds a placeholder; the real value is put into requests to
 * the named hosts only), or held in the bottle (the real value is inside it). Pure.
 */

export type SecretPlace = 'gateway' | 'bottle' | 'bottle-gateway-off';

export interface SecretPlacement {
  /** The login file's or the variable's name. */
  name: string;
  kind: 'file' | 'env';
  place: SecretPlace;
  /** `host:port` the gateway signs for (place `gateway` only). */
  hosts: string[];
}

/** One line: "signed by the gateway for api.anthropic.com:443", "held in the bottle", "held in the bottle (gateway off)". */
export function secretPlacementText(placement: SecretPlacement): string {
  if (placement.place === 'gateway') return `signed by the gateway for ${placement.hosts.join(', ')}`;
  return placement.place === 'bottle-gateway-off' ? 'held in the bottle (gateway off)' : 'held in the bottle';
}
