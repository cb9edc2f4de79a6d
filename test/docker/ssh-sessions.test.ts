import { afterEach, describe, expect, it } from 'vitest';
import { connectEndpoint } from '../../src/core/engine/docker-client';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { useEngineContexts } from '../helpers/engine-contexts';
import { cannotRunSecondEngineReason, secondEngineDocker } from '../helpers/second-engine';

/*
 * An engine over ssh holds one channel per open stream, and sshd allows 10 sessions per connection
 * (MaxSessions, as the test sshd has it by default). A live core on such an engine keeps some
 * streams open for good (the events, the network gateway's control stream, attached execs): with
 * one connection, the 11th stream at once failed with "open failed", and the core saw the engine
 * as unreachable. Here 14 execs run at once over the ssh endpoint, each holding its channel.
 */

const cannot = cannotRunSecondEngineReason();
const skip = skipWithoutDocker || (cannot !== null && process.env.CI !== 'true');
const contexts = useEngineContexts();
const made: string[] = [];

afterEach(async () => {
  for (const id of made.splice(0)) await secondEngineDocker().getContainer(id).remove({ force: true });
});

describe.skipIf(skip)(`an engine over ssh${cannot === null ? '' : ` (skipped: ${cannot})`}`, () => {
  it('carries more streams at once than sshd allows sessions on one connection', async () => {
    const container = await secondEngineDocker().createContainer({ Image: TEST_BASE_IMAGE, Cmd: ['sleep', '600'] });
    made.push(container.id);
    await container.start();
    const { ssh } = contexts.engine();
    const connection = connectEndpoint({ host: `ssh://${ssh.user}@${ssh.host}:${ssh.port}`, source: 'context' });
    try {
      const overSsh = connection.docker.getContainer(container.id);
      const runs = Array.from({ length: 14 }, (_, index) => execIn(overSsh, ['sh', '-c', `sleep 3; echo done ${index}`]));
      const results = await Promise.all(runs);
      expect(results.map((result) => result.output.trim())).toEqual(Array.from({ length: 14 }, (_, index) => `done ${index}`));
    } finally {
      connection.close();
    }
  }, 120_000);
});
