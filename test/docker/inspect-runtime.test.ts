import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bottleNetworkName } from '../../src/core/engine/bottle-networks';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

/*
 * Issue 22, bug 8: Inspect warns when the container runs as uid 0 (resolved as the engine does,
 * so a user the image's passwd makes uid 0 is root too), names the environment without a value,
 * and lists its networks; its raw engine JSON has every Env value cut. The environment holds a
 * value passed through from the operator's shell that looks like a secret, and a declared secret:
 * neither may appear anywhere in what Inspect returns (the IPC payload the renderer gets).
 */

const PLAIN_VALUE = 'postgres://admin:hunter2-inspect-plain-3141@db.internal/app';
const SECRET_VALUE = 'sk-inspect-secret-value-2718281828';
const IDLE = 'exec sleep 3600';

const env = useBottleTestEnv();

beforeEach(() => {
  process.env.DATABASE_URL = PLAIN_VALUE;
  process.env.INSPECT_SERVICE_TOKEN = SECRET_VALUE;
});

afterEach(() => {
  delete process.env.DATABASE_URL;
  delete process.env.INSPECT_SERVICE_TOKEN;
});

async function startWith(agent: string, copy: boolean): Promise<string> {
  const { identity } = await service().start({ agent, cwd: env.project(), copy });
  return identity;
}

describe.skipIf(skipWithoutDocker)('Inspect of a running bottle', () => {
  it('as its own user: uid 1000, no warning, env names without values, the gateway network, redacted raw JSON', async () => {
    await writeTestAgent({ name: 'plain', script: IDLE, user: 'agent', env: ['DATABASE_URL', 'INSPECT_SERVICE_TOKEN'] });
    const identity = await startWith('plain', true);
    const inspected = await service().inspect(identity);
    const { container } = inspected;
    expect(container?.runAs).toEqual({ user: 'agent', uid: 1000, uidError: null, rootWarning: null });
    // The plain variable is a container Env entry (named); the secret-looking name travels as a file.
    expect(container?.envNames).toContain('DATABASE_URL');
    expect(container?.envNames).not.toContain('INSPECT_SERVICE_TOKEN');
    expect(inspected.networks).toEqual([
      { name: bottleNetworkName(identity), role: 'gateway', ipAddress: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) as unknown },
    ]);
    expect(inspected.engineJson).toContain('"DATABASE_URL=…"');
    expect(inspected.engineJson).toContain(bottleNetworkName(identity));
    // The engine itself holds the value: it is Inspect that keeps it from the payload.
    const engine = await (await bottleContainer(identity)).inspect();
    expect(engine.Config.Env).toContain(`DATABASE_URL=${PLAIN_VALUE}`);
    expect((JSON.parse(inspected.engineJson ?? '{}') as { Id: string }).Id).toBe(container?.id);
    const payload = JSON.stringify(inspected);
    expect(payload).not.toContain(PLAIN_VALUE);
    expect(payload).not.toContain('hunter2');
    expect(payload).not.toContain(SECRET_VALUE);
    expect(payload).not.toMatch(/DATABASE_URL=(?!…)/);

    // The CLI says the same, in each of its outputs, and holds no value either.
    const [text, raw, json] = await Promise.all([
      runCli(['inspect', identity]),
      runCli(['inspect', identity, '--raw']),
      runCli(['inspect', identity, '--json']),
    ]);
    expect(text.stdout).toMatch(/^runs as:\s+agent \(uid 1000\)$/m);
    expect(text.stdout).not.toMatch(/^warning:/m);
    expect(text.stdout).toMatch(/^environment:\s+.*DATABASE_URL.*\(names only, never values\)$/m);
    expect(text.stdout).toContain(`network:      ${bottleNetworkName(identity)} (gateway network, `);
    expect(raw.stdout).toContain('"DATABASE_URL=…"');
    expect((JSON.parse(json.stdout) as { container: { envNames: string[] } }).container.envNames).toContain('DATABASE_URL');
    for (const result of [text, raw, json]) {
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain('hunter2');
      expect(result.stdout + result.stderr).not.toContain(SECRET_VALUE);
    }
  });

  it('as root by the image default: uid 0, with what it means and what to do', async () => {
    await writeTestAgent({ name: 'rooted', script: IDLE, user: null, env: ['DATABASE_URL'] });
    const identity = await startWith('rooted', true);
    const { container, engineJson } = await service().inspect(identity);
    expect(container?.runAs).toMatchObject({ user: '', uid: 0, uidError: null });
    expect(container?.runAs.rootWarning).toMatch(/runs as root \(uid 0\)/);
    expect(container?.runAs.rootWarning).toMatch(/agent\.json "user", or a USER line/);
    expect(container?.envNames).toContain('DATABASE_URL');
    expect(engineJson).not.toContain(PLAIN_VALUE);
    const text = await runCli(['inspect', identity]);
    expect(text.stdout).toMatch(/^runs as:\s+the image's user \(uid 0, root\)$/m);
    expect(text.stdout).toMatch(/^warning:\s+The agent runs as root \(uid 0\)/m);
    expect(text.stdout).not.toContain('hunter2');
  });

  it('as root under another name: a user the image’s passwd gives uid 0 is warned of', async () => {
    await writeTestAgent({
      name: 'disguised',
      script: IDLE,
      user: 'builder',
      dockerfileExtra: "RUN echo 'builder:x:0:0::/home/builder:/bin/sh' >> /etc/passwd\n",
    });
    const identity = await startWith('disguised', true);
    const { container } = await service().inspect(identity);
    expect(container?.user).toBe('builder');
    expect(container?.runAs).toMatchObject({ user: 'builder', uid: 0 });
    expect(container?.runAs.rootWarning).toMatch(/runs as root/);
  });

  // Mount mode runs the agent as the project folder's owner: root, when the tests run as root.
  it.runIf(process.getuid?.() === 0)('mounted from a folder root owns: warned, and told to copy or use a folder of its own', async () => {
    await writeTestAgent({ name: 'plain', script: IDLE, user: 'agent' });
    const identity = await startWith('plain', false);
    const { container } = await service().inspect(identity);
    expect(container?.runAs).toMatchObject({ user: '0:0', uid: 0 });
    expect(container?.runAs.rootWarning).toMatch(/Mount mode runs it as the owner of the project folder/);
  });
});
