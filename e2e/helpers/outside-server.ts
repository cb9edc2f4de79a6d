import { expect } from '@playwright/test';
import { docker } from './docker';

/*
 * The "outside" of issue 19's e2e: an HTTP server in a container of ours (the test node base image,
 * whose node runs it), and a bridge network of our own on a PUBLIC subnet that gives the host an
 * address there. An ask needs a public destination (a private address never asks, and there is no
 * DNS here), and the gateway reaches a public address through its egress bridge's default route,
 * which ends at the host: so the server shares the host's network namespace and listens on every
 * address, the public one included. (A server on a bridge of its own would sit behind Docker's
 * isolation between bridges, which drops the gateway's packets.) Every request it answers is one
 * line of its output, so the spec can count what really reached it.
 */

export interface OutsideServer {
  host: string;
  port: number;
  /** The paths it was asked for, in order. */
  hits(): Promise<string[]>;
  stop(): Promise<void>;
}

const SERVER = [
  "const http = require('http');",
  'const server = http.createServer((request, response) => {',
  "  console.log('HIT ' + request.url);",
  "  response.end('hello from the outside ' + request.url + '\\n');",
  '});',
  "server.listen(0, '0.0.0.0', () => console.log('PORT ' + server.address().port));",
].join('\n');

/** Starts the server and its public network, named after `tag` (this spec's own: removed by stop()). */
export async function startOutside(image: string, tag: string, subnet: string, host: string): Promise<OutsideServer> {
  const network = `claude-bottle-e2e-${tag}-public`;
  const container = `claude-bottle-e2e-${tag}-outside`;
  // Left over from a run that was killed: ours by name, so ours to remove.
  await docker('rm', '-f', container).catch(() => '');
  await docker('network', 'rm', network).catch(() => '');
  await docker('network', 'create', '--driver', 'bridge', '--subnet', subnet, '--gateway', host, network);
  await docker('run', '-d', '--name', container, '--network', 'host', image, 'node', '-e', SERVER);
  const logs = (): Promise<string> => docker('logs', container);
  let port = 0;
  await expect
    .poll(
      async () => {
        port = Number(/PORT (\d+)/.exec(await logs())?.[1] ?? 0);
        return port;
      },
      { timeout: 20_000 },
    )
    .toBeGreaterThan(0);
  return {
    host,
    port,
    hits: async () => [...(await logs()).matchAll(/^HIT (\S+)$/gm)].map((match) => match[1] ?? ''),
    stop: async () => {
      await docker('rm', '-f', container).catch(() => '');
      await docker('network', 'rm', network).catch(() => '');
    },
  };
}
