import { CredentialStoreWatch } from '../../src/core/credentials/credential-store-watch';
import { storeEnv } from '../../src/core/credentials/credential-store';
import { testToken } from '../../test/helpers/claude-stand-in';
import { abMedians, docker, type Figure } from '../bench-lib';

/**
 * One pass of the live core's watch of the credential store (issue 20: what replaced the sign-in
 * loop over running bottles; it reads no bottle, only the store's names, sizes and times) vs
 * `docker ps` of our bottles: the rescan runs every 2 s, so a pass must cost no more than one listing.
 */
export async function signInSyncFigure(): Promise<Figure> {
  await storeEnv('claude', 'CLAUDE_CODE_OAUTH_TOKEN', testToken('bench'));
  await storeEnv('claude', 'ANTHROPIC_API_KEY', testToken('bench-key'));
  const watch = new CredentialStoreWatch({
    changed: () => undefined,
    failure: (what, error) => process.stderr.write(`bench: ${what}: ${String(error)}\n`),
  });
  await watch.check();
  const result = await abMedians(
    9,
    () => watch.check(),
    async () => void (await docker(['ps', '-a', '--filter', 'label=claude-bottle.managed=true'])),
  );
  const ratio = result.ours / result.docker;
  return {
    figure: 'credential store watch pass (vs docker ps)',
    ours: result.ours,
    docker: result.docker,
    unit: 's',
    ratio,
    target: 'ratio ≤ 1',
    pass: ratio <= 1,
  };
}
