import { createServer, type Server } from 'node:http';
import { afterEach } from 'vitest';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { instanceId } from '../../src/core/state/instance-id';
import { rawDocker } from './raw-docker';

/*
 * The "outside" of a gateway test (issue 19): an HTTP server of the test on the host, given a
 * PUBLIC address by a bridge of the test's own (labelled with its instance, so its cleanup removes
 * it). The policy treats a private address as special (held or dialled only by an exact rule), so an
 * ask needs a public one; traffic still never leaves this machine. Each test file takes its own
 * /29 (`11.213.<block>.0/29`) so files can run at once.
 */

export interface PublicOutside {
  /** The host's public address on the test's bridge: where the bottle is told to go. */
  readonly host: string;
  /** `Host path` of every request the server answered, in order. */
  readonly seen: string[];
  /** Starts the server (answering "hello from the outside") and the bridge; returns the server's port. */
  serve(): Promise<number>;
}

/**
 * The test's bridge whose gateway address, `11.213.<block>.1`, the host then has: a server of the test
 * listening on every address answers there. Labelled with the instance, so its cleanup removes it.
 */
export async function createPublicBridge(block: number): Promise<string> {
  const host = `11.213.${block}.1`;
  await rawDocker().createNetwork({
    Name: `claude-bottle-test-public-${block}-${instanceId()}`,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: `11.213.${block}.0/29`, Gateway: host }] },
    Labels: { [LABEL_INSTANCE]: instanceId() },
  });
  return host;
}

/** One outside per test, closed after each (the bridge goes with the test's instance cleanup). */
export function usePublicOutside(block: number): PublicOutside {
  const host = `11.213.${block}.1`;
  const seen: string[] = [];
  let server: Server | null = null;
  afterEach(() => {
    server?.close();
    server = null;
    seen.length = 0;
  });
  return {
    host,
    seen,
    async serve(): Promise<number> {
      const started = createServer((request, response) => {
        seen.push(`${request.headers.host ?? ''} ${request.url ?? ''}`);
        response.end('hello from the outside\n');
      });
      server = started;
      await new Promise<void>((resolve) => started.listen(0, '0.0.0.0', resolve));
      await createPublicBridge(block);
      return (started.address() as { port: number }).port;
    },
  };
}
