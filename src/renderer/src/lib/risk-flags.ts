import type { RiskNote } from '../../../shared/dockerfile-risks';

/** Risk notes by the Dockerfile line they are about (several on one line read as one), for marking a diff. */
export function riskFlags(risks: readonly RiskNote[]): Map<number, string> {
  const flags = new Map<number, string>();
  for (const risk of risks) {
    const earlier = flags.get(risk.line);
    flags.set(risk.line, earlier === undefined ? risk.why : `${earlier}; ${risk.why}`);
  }
  return flags;
}
