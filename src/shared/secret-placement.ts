/**
 * Where each of an agent's secrets goes (issue 20), as the Trust step and the Inspect tab name it:
 * signed by the gateway (the bottle holds a placeholder; the real value is put into requests to
 * the named hosts only), or held in the bottle (the real value is inside it). Pure.
 */

/** `bottle-from-environment`: a declared variable this bottle holds because the launching shell passed it. */
export type SecretPlace = 'gateway' | 'bottle' | 'bottle-gateway-off' | 'bottle-from-environment';

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
  if (placement.place === 'bottle-from-environment') return 'held in the bottle (passed from the launching shell)';
  return placement.place === 'bottle-gateway-off' ? 'held in the bottle (gateway off)' : 'held in the bottle';
}
