import { beforeEach } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { removeTestBottlesAfterEach } from './bottle-cleanup';
import { listOwnBottles } from './run-cli';
import { useTempHome } from './temp-home';
import { useTempProject } from './temp-project';
import { writeTestAgent } from './test-agents';
import { writeTestSettings } from './test-settings';

export interface BottleTestEnv {
  home(): string;
  project(): string;
  /** `claude-bottle ls --json`, only this test's bottles. */
  listMine(): Promise<BottleView[]>;
}

/**
 * What a Docker test of bottles needs: a temporary CLAUDE_BOTTLE_HOME with the scripted test
 * agent and the test settings (the gateway built on the local node base), an empty project folder,
 * and its containers, gateway and networks removed afterwards (before the folders).
 */
export function useBottleTestEnv(extraIdentities: () => string[] = () => []): BottleTestEnv {
  const home = useTempHome();
  const project = useTempProject();
  // Registered last so it runs first: containers go before the folders they write into.
  removeTestBottlesAfterEach(extraIdentities);
  beforeEach(async () => {
    await writeTestSettings();
    await writeTestAgent();
  });
  return { home, project, listMine: () => listOwnBottles(home()) };
}
