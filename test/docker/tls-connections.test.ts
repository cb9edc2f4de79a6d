import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { LABEL_AGENT, LABEL_IDENTITY, LABEL_MANAGED } from '../../src/core/engine/bottle-containers';
import { connectEndpoint } from '../../src/core/engine/docker-client';
import { statContainerPath } from '../../src/core/engine/container-files';
import { contextEndpoint } from '../../src/core/engine/engine-endpoint';
import { CONTAINER_INBOX, syncRemoteInbox } from '../../src/core/rebuild/remote-inbox';
import { createCoreDeps, onEngine } from '../../src/core/deps/core-deps';
import { REQUESTS_PER_ENGINE } from '../../src/core/services/engine-container-index';
import { bottlePaths, stateRoot } from '../../src/core/state/state-paths';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { skipWithoutDocker } from '../helpers/docker-available';
import { TCP_CONTEXT, useEngineContexts } from '../helpers/engine-contexts';
import { cannotRunSecondEngineReason, secondEngineDocker } from '../helpers/second-engine';
import { makeStateBottle, requestJson } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

/*
 * A tcp+TLS engine's connections (issue 23): every new one costs both ends a handshake with a
 * private-key operation, which on a two-core machine was a good part of a remote start and of a
 * listing of remote bottles. These count the TLS connections and requests the client really makes.
 */

const cannot = cannotRunSecondEngineReason();
const skip = skipWithoutDocker || (cannot !== null && process.env.CI !== 'true');
useTempHome();
useEngineContexts();

const made: string[] = [];
let connections = 0;
let requests: string[] = [];
const originalConnect = tls.connect;
const originalRequest = https.request;
const originalHttpRequest = http.request;
/** Both engines' requests in the order they were made: `local …` (the unix socket), `remote …` (tcp+TLS). */
let ordered: string[] = [];

beforeEach(() => {
  connections = 0;
  requests = [];
  // Every https connection of the engine client starts here (node:https calls tls.connect at request time).
  tls.connect = ((...args: Parameters<typeof tls.connect>) => {
    connections += 1;
    return originalConnect(...args);
  }) as typeof tls.connect;
  https.request = ((...args: Parameters<typeof https.request>) => {
    const options = args[0] as { method?: string; path?: string };
    requests.push(`${options.method ?? 'GET'} ${String(options.path).split('?')[0]}`);
    ordered.push(`remote ${requests.at(-1) ?? ''}`);
    return originalRequest(...args);
  }) as typeof https.request;
  ordered = [];
  http.request = ((...args: Parameters<typeof http.request>) => {
    const options = args[0] as { method?: string; path?: string };
    ordered.push(`local ${options.method ?? 'GET'} ${String(options.path).split('?')[0]}`);
    return originalHttpRequest(...args);
  }) as typeof http.request;
});

afterEach(async () => {
  tls.connect = originalConnect;
  https.request = originalRequest;
  http.request = originalHttpRequest;
  for (const id of made.splice(0)) await secondEngineDocker().getContainer(id).remove({ force: true });
});

/** `count` bottles with state folders recording the tcp+TLS engine, each with a running container there. */
async function remoteBottles(prefix: string, count: number): Promise<string[]> {
  const identities = Array.from({ length: count }, (_, index) => `${prefix}-${index.toString(36).padStart(5, '0')}`);
  for (const identity of identities) {
    const dir = join(stateRoot(), identity);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(
      join(dir, 'metadata.json'),
      JSON.stringify({ identity, agent_name: 'scripted', cwd: '/tmp', copy_cwd: true, started_at: '2026-01-01T00:00:00+00:00' }),
    );
    await writeFile(join(dir, 'engine.json'), JSON.stringify({ version: 1, context: TCP_CONTEXT }));
    await remoteContainer(identity);
  }
  return identities;
}

/** A running container on the second engine whose inbox folder exists, labelled as `identity`'s bottle. */
async function remoteContainer(identity: string): Promise<string> {
  const container = await secondEngineDocker().createContainer({
    Image: TEST_BASE_IMAGE,
    Cmd: ['sh', '-c', `mkdir -p ${CONTAINER_INBOX} && exec sleep 600`],
    Labels: { [LABEL_IDENTITY]: identity, [LABEL_AGENT]: 'scripted', [LABEL_MANAGED]: 'true' },
  });
  made.push(container.id);
  await container.start();
  return container.id;
}

describe.skipIf(skip)(`connections to a tcp+TLS engine${cannot === null ? '' : ` (skipped: ${cannot})`}`, () => {
  it('a path stat (HEAD) leaves its connection to the next request: one handshake for many requests', async () => {
    const id = await remoteContainer('stat-0000a');
    const endpoint = contextEndpoint(TCP_CONTEXT);
    if (endpoint === null) throw new Error('the test context is missing');
    const connection = connectEndpoint(endpoint);
    try {
      const container = connection.docker.getContainer(id);
      // The container writes its inbox folder as it starts: wait for it (no timing involved).
      while ((await statContainerPath(container, CONTAINER_INBOX)) === null) await new Promise((resolve) => setTimeout(resolve, 50));
      for (let round = 0; round < 5; round += 1) {
        expect(await statContainerPath(container, CONTAINER_INBOX)).toMatchObject({ isFile: false });
        await connection.docker.version();
      }
      // Before: the engine's HEAD answer (no length) had Node close the connection after each stat.
      expect(connections).toBe(1);
    } finally {
      connection.close();
    }
  }, 60_000);

  it('a full read of a remote inbox with nothing to answer asks for its stamp once, not again after the read', async () => {
    const identity = 'sync-0000a';
    const dir = join(stateRoot(), identity);
    await mkdir(join(dir, 'inbox'), { recursive: true, mode: 0o700 });
    const id = await remoteContainer(identity);
    const deps = createCoreDeps();
    try {
      const ctx = onEngine(deps, deps.engines.get(TCP_CONTEXT));
      const container = ctx.docker.getContainer(id);
      while ((await statContainerPath(container, CONTAINER_INBOX)) === null) await new Promise((resolve) => setTimeout(resolve, 50));
      requests = [];
      await syncRemoteInbox(ctx, identity, { force: true });
      const archive = `/containers/${id}/archive`;
      // Before: HEAD, GET, HEAD again (a second stamp, though nothing was put in).
      expect(requests.filter((request) => request.endsWith(archive))).toEqual([`HEAD ${archive}`, `GET ${archive}`]);
    } finally {
      deps.engines.close();
    }
  }, 60_000);

  it('a listing of many remote bottles lists their engine once and opens a few connections, not one per bottle', async () => {
    const identities = await remoteBottles('tlsls', 12);
    const core = createCore();
    try {
      connections = 0;
      requests = [];
      const { bottles } = await core.bottles.listFresh();
      expect(bottles.filter((view) => identities.includes(view.identity)).map((view) => view.status)).toEqual(
        identities.map(() => 'running'),
      );
      // Before: listed twice (the inbox pass, then the listing), over one connection per bottle.
      expect(requests.filter((request) => request === 'GET /containers/json')).toHaveLength(1);
      expect(connections).toBeLessThanOrEqual(REQUESTS_PER_ENGINE);
    } finally {
      await core.close();
    }
  }, 120_000);

  it('a listing lists the local engine while the remote inboxes are read, once; again only after the pass changed a bottle there', async () => {
    await remoteBottles('ahead', 4);
    const local = bottlePaths(await makeStateBottle('local-abcde'));
    const core = createCore();
    try {
      ordered = [];
      await core.bottles.listFresh();
      const localListings = (): number[] => ordered.flatMap((request, index) => (request === 'local GET /containers/json' ? [index] : []));
      const firstRemoteStat = ordered.findIndex((request) => request.startsWith('remote HEAD '));
      expect(firstRemoteStat).toBeGreaterThan(-1);
      // Before: the local engine was listed once the last remote inbox was read.
      expect(localListings()).toHaveLength(1);
      expect(localListings()[0]).toBeLessThan(firstRemoteStat);

      // A request the local bottle's agent wrote: the pass settles it, which may change what the
      // engine holds, so the listing taken before the pass is not the one shown.
      await writeFile(join(local.inbox, 'req-1-a.json'), requestJson('req-1-a'));
      ordered = [];
      const { bottles } = await core.bottles.listFresh();
      expect(bottles.find((view) => view.identity === 'local-abcde')).toMatchObject({ pendingCount: 1 });
      expect(localListings()).toHaveLength(2);
      expect(localListings()[1]).toBeGreaterThan(ordered.findLastIndex((request) => request.startsWith('remote HEAD ')));
    } finally {
      await core.close();
    }
  }, 120_000);
});
