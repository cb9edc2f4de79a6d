import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { GATEWAY_CONTROL_SOCKET } from '../../src/core/engine/gateway-image';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { rawDocker } from '../helpers/raw-docker';

/*
 * A core closed while it is still opening its gateway control stream (a CLI's `start` exits while
 * the push its last change scheduled is under way) closes that stream too. Each open stream is one
 * relay process in the gateway (`--control <socket>`, run by docker exec), and its hijacked socket
 * keeps the opener's process alive: a stream left open after close is a CLI that never exits
 * (the last submission's CI: one of 50 concurrent starts hung until its 300 s timeout, its work done).
 */

const env = useBottleTestEnv();
const docker = rawDocker();

/** The control relays running in this root's gateway: one per open control stream. */
async function controlRelays(): Promise<number> {
  const top = await docker.getContainer(gatewayContainerName()).top({ ps_args: '-eo pid,args' });
  return (top.Processes ?? []).filter((row: string[]) => row.join(' ').includes(`--control ${GATEWAY_CONTROL_SOCKET}`)).length;
}

async function noRelayLeft(): Promise<void> {
  await eventually(async () => expect(await controlRelays()).toBe(0), 5000);
}

describe.skipIf(skipWithoutDocker)('a core closed while its gateway stream opens', () => {
  it('leaves no control stream open: a push under way at close, and a stream opened ahead of a launch', async () => {
    const starter = createCore();
    try {
      await starter.bottles.start({ agent: 'scripted', cwd: env.project(), copy: false });
    } finally {
      await starter.close();
    }
    await noRelayLeft();

    // A push its timer started just before close: close waits for it, and closes its stream after.
    const cli = createCore();
    const pushing = cli.network.sync();
    await cli.close();
    expect(await pushing).toBe(true);
    await noRelayLeft();

    // The stream a launch opens ahead of its `ready`, still opening when the core closes.
    const early = createCore();
    early.deps.gateways.open(early.deps.engine.name);
    await early.close();
    // Its exec has started (or not) by now; either way nothing may stay open once it settles.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await noRelayLeft();
  }, 120_000);
});
