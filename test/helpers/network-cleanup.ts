import { afterEach } from 'vitest';
import { removeTestInstanceObjects } from './instance-cleanup';

/**
 * A test root's gateway, bottles and networks (instance-cleanup.ts) removed after each test.
 * useBottleTestEnv() registers it already; this is for a test root made another way. Register after the root's useTempHome(): it runs first then, while the root still exists.
 */
export function removeTestNetworksAfterEach(): void {
  afterEach(() => removeTestInstanceObjects());
}
