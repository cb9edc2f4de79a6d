import type { SecretPlacement } from '../../shared/secret-placement';
import { declarationFor } from '../agents/agent-credentials';
import type { AgentConfig } from '../agents/agents';
import { readSettings } from '../state/settings';
import { secretEnvNames } from './agent-secrets';

/**
 * Where each secret the agent reads goes, from its declaration and whether the gateway is on: what
 * the Trust step and Inspect name (credential-plan.ts decides the same per launch; a variable the
 * operator passes from the launching shell is the one exception it adds: held in the bottle).
 */
export function secretPlacements(
  config: Pick<AgentConfig, 'secretFiles' | 'secretEnv' | 'env' | 'credentials'>,
  gatewayOn: boolean,
): SecretPlacement[] {
  const secrets: { name: string; kind: 'file' | 'env'; secret: { file: string } | { env: string } }[] = [
    ...config.secretFiles.map((name) => ({ name, kind: 'file' as const, secret: { file: name } })),
    ...secretEnvNames(config).map((name) => ({
      name,
      kind: 'env' as const,
      secret: { env: name },
    })),
  ];
  return secrets.map(({ name, kind, secret }) => {
    const declaration = declarationFor(config.credentials, secret);
    if (declaration === undefined) return { name, kind, place: 'bottle', hosts: [] };
    if (!gatewayOn) return { name, kind, place: 'bottle-gateway-off', hosts: [] };
    return { name, kind, place: 'gateway', hosts: declaration.hosts };
  });
}

/** The same, with the gateway on or off as settings.json says now. */
export async function currentSecretPlacements(config: Parameters<typeof secretPlacements>[0]): Promise<SecretPlacement[]> {
  return secretPlacements(config, (await readSettings()).gatewayNetwork);
}
