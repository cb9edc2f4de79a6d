import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';
import { stateRoot } from '../../src/core/state/state-paths';

const env = useBottleTestEnv();

describe.skipIf(skipWithoutDocker)('an agent whose base image cannot be pulled', () => {
  it('start says which base image and what to do, in one line, and leaves no half-made bottle', { timeout: 180_000 }, async () => {
    const base = `claude-bottle-no-such-base-${process.pid}:latest`;
    const dir = await writeTestAgent({ name: 'baseless' });
    await writeFile(join(dir, 'Dockerfile'), `FROM ${base}\nCOPY agent.sh /usr/bin/agent.sh\n`);
    const bottlesBefore = await readdir(stateRoot()).catch(() => []);

    const started = await runCli(['start', 'baseless', '--cwd', env.project(), '--detach', '--json']);
    expect(started.code).not.toBe(0);
    const errorLines = started.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain(`the base image ${base} of agent baseless is not on this engine and could not be pulled`);
    expect(errorLines[0]).toContain(`docker pull ${base}`);
    expect(errorLines[0]).toContain("point the agent's Dockerfile FROM at a local image");

    // No bottle is left: no state folder, nothing listed to resume.
    expect(await readdir(stateRoot()).catch(() => [])).toEqual(bottlesBefore);
    const listed = JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleView[];
    expect(listed.filter((view) => view.agentName === 'baseless')).toEqual([]);
  });
});
