import { mkdtemp } from 'node:fs/promises';
import { createBottleContext } from '../src/main/core/bottle-context';
import { startBottle } from '../src/main/core/bottle-lifecycle';
import { writeTestAgent } from '../test/helpers/test-agents';
await writeTestAgent();
const ctx = createBottleContext();
const project = await mkdtemp('/tmp/p-');
const modem = ctx.docker.modem as unknown as { dial: (o: { path: string; method: string }, cb: (...a: unknown[]) => void) => void };
const orig = modem.dial.bind(modem);
let t0 = performance.now();
let log: string[] = [];
modem.dial = (o, cb) => {
  const s = performance.now();
  orig(o, (...a: unknown[]) => {
    log.push(`  ${(s - t0).toFixed(0).padStart(4)} +${(performance.now() - s).toFixed(0).padStart(3)}ms ${o.method} ${o.path.slice(0, 50)}`);
    cb(...a);
  });
};
for (let i = 0; i < 3; i++) {
  log = [];
  t0 = performance.now();
  const { identity } = await startBottle(ctx, { agent: 'scripted', cwd: project, copy: false });
  console.log(log.join('\n'));
  console.log('total', (performance.now() - t0).toFixed(0));
  await ctx.docker.getContainer(`claude-bottle-${identity}`).remove({ force: true });
}
