import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialSync } from '../../src/core/credentials/credential-sync';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import { loginInside, testToken, writeClaudeStandIn } from '../../test/helpers/claude-stand-in';
import { bottleContainer } from '../../test/helpers/docker-exec';
import { abMedians, docker, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';

const BOTTLES = 10;

/**
 * One pass of the live sign-in loop over 10 running signed-in bottles with nothing changed (one
 * container listing, one stat per login file) vs `docker ps` of our bottles: the loop runs every
 * 2 s, so a pass must cost no more than one listing.
 */
export async function signInSyncFigure(env: BenchEnv): Promise<Figure> {
  await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'));
  const identities: string[] = [];
  // The stand-in copies ~/.claude at a first start: an empty home, never the real one.
  const realHome = process.env.HOME;
  process.env.HOME = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-home-'));
  try {
    for (let i = 0; i < BOTTLES; i += 1) {
      identities.push((await env.core.bottles.start({ agent: 'claude', cwd: env.project, copy: true })).identity);
    }
  } finally {
    await rm(process.env.HOME, { recursive: true, force: true });
    if (realHome === undefined) delete process.env.HOME;
    else process.env.HOME = realHome;
  }
  await loginInside(await bottleContainer(identities[0] as string), 'bench', testToken('bench'), Date.now() + 3600_000);
  const sync = new CredentialSync(env.ctx, {
    changed: () => undefined,
    failure: (what, error) => process.stderr.write(`bench: ${what}: ${String(error)}\n`),
  });
  // The first passes pick the login up and put it into the other nine: then nothing changes.
  await sync.tick();
  await sync.tick();
  await sync.tick();
  const result = await abMedians(
    9,
    () => sync.tick(),
    async () => void (await docker(['ps', '-a', '--filter', 'label=claude-bottle.managed=true'])),
  );
  const ratio = result.ours / result.docker;
  return {
    figure: `sign-in sync pass, ${BOTTLES} running bottles (vs docker ps)`,
    ours: result.ours,
    docker: result.docker,
    unit: 's',
    ratio,
    target: 'ratio ≤ 1',
    pass: ratio <= 1,
  };
}
