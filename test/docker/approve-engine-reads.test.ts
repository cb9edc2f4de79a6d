import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { agentImageTag } from '../../src/core/bottles/bottle-image';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { perBottleImageTag } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { containerIdOf, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { service } from '../helpers/test-service';
import { loadAgent } from '../../src/core/agents/agents';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello\n');
});

interface Dialled {
  method: string;
  path: string;
}

/** Every request the core's engine client sends from now on, in the order it sends them (the real engine answers). */
function recordRequests(ctx: CoreDeps): Dialled[] {
  const sent: Dialled[] = [];
  const modem = (ctx.docker as unknown as { docker: { modem: { dial: (options: Dialled, callback: unknown) => unknown } } }).docker.modem;
  const dial = modem.dial.bind(modem);
  modem.dial = (options: Dialled, callback: unknown): unknown => {
    sent.push({ method: options.method, path: decodeURIComponent(String(options.path).split('?')[0] ?? '') });
    return dial(options, callback);
  };
  return sent;
}

const position = (sent: Dialled[], method: string, path: string): number => sent.findIndex((r) => r.method === method && r.path === path);
const count = (sent: Dialled[], method: string, path: string): number => sent.filter((r) => r.method === method && r.path === path).length;

describe.skipIf(skipWithoutDocker)('approve & resume: what it asks the engine', () => {
  it('reads the agent image and the built candidate once each, and asks the engine facts while the image builds, not after the old container stopped', async () => {
    const { identity, pending } = await startAndAwaitRequest(createCoreDeps(), { cwd: project, copy: false });
    // A fresh client, as a CLI process has: nothing about the engine is known to it yet.
    const ctx = createCoreDeps();
    const oldContainer = await containerIdOf(ctx, identity);
    const sent = recordRequests(ctx);

    await service(ctx).approve(identity, { requestId: pending.id, resume: true });

    const agentImage = await agentImageTag(await loadAgent('rebuilder'));
    const candidate = perBottleImageTag(identity).replace(/:latest$/, ':candidate');
    expect(count(sent, 'GET', `/images/${agentImage}/json`)).toBe(1);
    expect(count(sent, 'GET', `/images/${candidate}/json`)).toBe(1);
    const info = position(sent, 'GET', '/info');
    const stop = position(sent, 'POST', `/containers/${oldContainer}/stop`);
    expect(stop).toBeGreaterThan(-1);
    expect(info).toBeGreaterThan(-1);
    expect(info).toBeLessThan(stop);
    // The facts were asked once: the resume read them from what the approval asked.
    expect(count(sent, 'GET', '/info')).toBe(1);
    expect(await containerIdOf(ctx, identity)).not.toBe(oldContainer);
  });
});
