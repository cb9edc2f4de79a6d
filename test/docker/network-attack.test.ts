import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottleNetworkName } from '../../src/core/engine/bottle-networks';
import { egressNetworkName, gatewayContainerName } from '../../src/core/engine/gateway-container';
import { setBottleNetworkMode } from '../../src/core/state/bottle-network';
import { readNetworkLog } from '../../src/core/state/network-log';
import type { NetworkRequest } from '../../src/shared/network-policy';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { usePublicOutside } from '../helpers/public-outside';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';

/*
 * Issue 19's gateway attacked from inside a real bottle, as a prompt-injected agent would: raw
 * requests written with busybox nc to the REAL gateway program in its container, with a live core
 * recording. The bottle is `open` (everything public passes), so each refusal below is the guard's
 * and not the mode's; the "outside" is an HTTP server of this test on a PUBLIC host address (a bridge
 * of the test's own on 11.213.78.0/29, as in network-gateway-service.test.ts), which must never see
 * a request the gateway refused.
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
const outside = usePublicOutside(78);
const PUBLIC_HOST = outside.host;
const seen = outside.seen;
let core: Core | null = null;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

afterEach(async () => {
  await core?.close();
  core = null;
});

/** A live core and one bottle, open (or as asked), on the gateway; the gateway's address on the bottle's network. */
async function openBottle(mode: 'open' | 'ask' = 'open'): Promise<{ identity: string; gatewayIp: string }> {
  const live = createCore({ deps: createCoreDeps(), live: true });
  core = live;
  const identity = (await live.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
  await setBottleNetworkMode(identity, mode);
  live.network.bottleChanged(identity);
  await live.network.sync();
  const gateway = await docker.getContainer(gatewayContainerName()).inspect();
  return { identity, gatewayIp: gateway.NetworkSettings.Networks[bottleNetworkName(identity)]?.IPAddress ?? '' };
}

/**
 * Writes `request` (\r\n already in it) to the gateway's proxy with nc in the bottle; what came back.
 * nc's input stays open `holdSeconds` (busybox nc hangs up at its end, before a dialled answer comes).
 */
async function rawFromBottle(identity: string, gatewayIp: string, request: string, holdSeconds = 0): Promise<string> {
  const escaped = request.replaceAll('\\', '\\\\').replaceAll('\r', '\\r').replaceAll('\n', '\\n').replaceAll("'", "'\\''");
  const script = `(printf '${escaped}'; sleep ${holdSeconds}) | nc -w 5 ${gatewayIp} 3128 2>&1; echo "exit=$?"`;
  return (await execIn(await bottleContainer(identity), ['sh', '-c', script])).output;
}

/** The status line's code of a raw answer (0 when there was none). */
function status(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
}

describe.skipIf(skipWithoutDocker)('the gateway attacked from a bottle (issue 19)', () => {
  it('a target too long to be a host is refused and still on the record, beside the other refusals', async () => {
    await outside.serve();
    const { identity, gatewayIp } = await openBottle();
    const long = `${'a'.repeat(400)}.example`;
    const answer = await rawFromBottle(identity, gatewayIp, `CONNECT ${long}:443 HTTP/1.1\r\nHost: ${long}:443\r\n\r\n`);
    expect(status(answer)).toBe(400);
    expect(answer).toContain('is too long');
    // A positive control: a refusal with an ordinary host is recorded the same way.
    expect(status(await rawFromBottle(identity, gatewayIp, `CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n`))).toBe(403);
    await eventually(async () => {
      const log = await readNetworkLog(identity, 100);
      expect(log.some((entry) => entry.event === 'refused' && entry.host === '169.254.169.254')).toBe(true);
      const cut = log.find((entry) => entry.event === 'refused' && entry.host.startsWith('aaaa'));
      expect(cut).toBeDefined();
      expect(cut?.host.length).toBeLessThanOrEqual(253);
      expect(cut?.host.endsWith('…')).toBe(true);
      expect(cut?.port).toBe(443);
    }, 20_000);
  }, 240_000);

  it("a Host header carrying terminal controls is refused, and its text reaches the bottle's log escaped", async () => {
    const port = await outside.serve();
    const { identity, gatewayIp } = await openBottle();
    const target = `${PUBLIC_HOST}:${port}`;
    // C1 CSI sequences (clear the screen, turn red): HTTP lets such bytes through in a header value.
    const hostile = '\u009b2J\u009b31mapi.example';
    const answer = await rawFromBottle(identity, gatewayIp, `GET http://${target}/esc HTTP/1.1\r\nHost: ${hostile}\r\n\r\n`);
    expect(status(answer)).toBe(400);
    expect(seen).toEqual([]);
    await eventually(async () => {
      const refused = (await readNetworkLog(identity, 100)).find((entry) => entry.event === 'refused' && entry.port === port);
      expect(refused?.reason).toContain('the Host header');
      expect(refused?.reason).toContain('\\x9b2J');
      expect(refused?.reason).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    }, 20_000);
  }, 240_000);

  it('a flood of held connections is capped with a reason, and the core still hears and answers the gateway', async () => {
    const port = await outside.serve();
    const { identity } = await openBottle('ask');
    const live = core as Core;
    const url = `http://${PUBLIC_HOST}:${port}/held`;
    // 250 clients at once (busybox wget through the bottle's HTTP_PROXY): the gateway holds 200 per bottle.
    const flood = execIn(await bottleContainer(identity), [
      'sh',
      '-c',
      `for i in $(seq 250); do (wget -q -O - '${url}' 2>&1 | head -c 40; echo) >> /tmp/flood.out & done; wait; echo done`,
    ]);
    const held = await eventually(async () => {
      const pending = (await live.bottles.view(identity))?.networkPending ?? [];
      expect(pending.map((request) => `${request.host}:${request.port}`)).toEqual([`${PUBLIC_HOST}:${port}`]);
      return pending[0] as NetworkRequest;
    }, 30_000);
    await eventually(async () => {
      const log = await readNetworkLog(identity, 500);
      expect(log.filter((entry) => entry.event === 'refused' && entry.by === 'limit')).toHaveLength(50);
    }, 60_000);
    expect(seen).toEqual([]);
    await live.network.answer(identity, held.id, 'once');
    expect((await flood).output).toContain('done');
    expect(seen).toHaveLength(200);
    const answers = (await execIn(await bottleContainer(identity), ['cat', '/tmp/flood.out'])).output;
    expect(answers.split('hello from the outside').length - 1).toBe(200);
    await eventually(async () => {
      const log = await readNetworkLog(identity, 500);
      expect(log.filter((entry) => entry.event === 'end' && entry.decision === 'allow' && entry.by === 'operator')).toHaveLength(200);
    }, 30_000);
  }, 300_000);

  it('holds against header tricks, other spellings of addresses, the gateway itself, the host, another bottle, smuggling and floods', async () => {
    const port = await outside.serve();
    const { identity, gatewayIp } = await openBottle();
    const target = `${PUBLIC_HOST}:${port}`;
    const raw = (request: string, holdSeconds = 0): Promise<string> => rawFromBottle(identity, gatewayIp, request, holdSeconds);

    // The positive control: an open bottle reaches the public outside through the gateway.
    expect(await raw(`GET http://${target}/ok HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`, 2)).toContain(
      'hello from the outside',
    );
    expect(seen).toEqual([`${target} /ok`]);

    // Host header against the target: CONNECT, absolute URI, a second Host, HTTP/1.0 naming none elsewhere.
    expect(status(await raw(`CONNECT ${target} HTTP/1.1\r\nHost: evil.example:443\r\n\r\n`))).toBe(400);
    expect(status(await raw(`GET http://${target}/vhost HTTP/1.1\r\nHost: internal.example\r\n\r\n`))).toBe(400);
    expect(status(await raw(`GET http://${target}/two HTTP/1.1\r\nHost: ${target}\r\nHost: internal.example\r\n\r\n`))).toBe(400);
    expect(status(await raw(`GET /origin HTTP/1.1\r\nHost: ${target}\r\n\r\n`))).toBe(400);

    // The same public address written another way is refused, not dialled as one parser reads it.
    const [a, b, c, d] = PUBLIC_HOST.split('.').map(Number) as [number, number, number, number];
    const spellings = [
      String(((a * 256 + b) * 256 + c) * 256 + d),
      `0x${a.toString(16)}.0x${b.toString(16)}.0x${c.toString(16)}.0x${d.toString(16)}`,
      `0${a.toString(8)}.0${b.toString(8)}.0${c.toString(8)}.0${d.toString(8)}`,
      `${a}.${b}.${c * 256 + d}`,
    ];
    for (const spelling of spellings) {
      const answer = await raw(`CONNECT ${spelling}:${port} HTTP/1.1\r\n\r\nGET /spelled HTTP/1.0\r\n\r\n`, 1);
      expect(status(answer), spelling).toBe(403);
      expect(answer).toContain('written another way');
    }

    // The gateway itself (its addresses, its loopback), the host's bridge, cloud metadata in several forms.
    const egressHost = (await docker.getNetwork(egressNetworkName()).inspect()).IPAM?.Config?.[0]?.Gateway ?? '';
    const forbidden = [
      `${gatewayIp}:3128`,
      '127.0.0.1:3128',
      'localhost:3128',
      'localhost.:3128',
      '[::1]:3128',
      '[::ffff:127.0.0.1]:3128',
      '0.0.0.0:3128',
      `${egressHost}:${port}`,
      '169.254.169.254:80',
      '[::ffff:169.254.169.254]:80',
      '[fd00:ec2::254]:80',
    ];
    for (const place of forbidden) {
      const answer = await raw(`CONNECT ${place} HTTP/1.1\r\nHost: ${place}\r\n\r\nGET / HTTP/1.0\r\n\r\n`, 1);
      expect(status(answer), place).toBe(403);
      expect(answer, place).not.toContain('hello from the outside');
      expect(answer, place).not.toContain('Connection Established');
    }

    // Another bottle: by its address and by its container's name (which the gateway's resolver knows).
    const other = (await core?.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true }))?.identity ?? '';
    const otherContainer = await bottleContainer(other);
    await execIn(otherContainer, ['httpd', '-p', '8080', '-h', '/tmp']);
    const otherInfo = await otherContainer.inspect();
    const otherIp = otherInfo.NetworkSettings.Networks[bottleNetworkName(other)]?.IPAddress ?? '';
    const gatewayOnOther = (await docker.getContainer(gatewayContainerName()).inspect()).NetworkSettings.Networks[bottleNetworkName(other)]
      ?.IPAddress;
    // The positive control: the other bottle's server answers on its own network (busybox httpd: 404 Not Found).
    const local = await execIn(otherContainer, ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${otherIp} 8080`]);
    expect(local.output).toContain('Not Found');
    const otherName = otherInfo.Name.replace(/^\//, '');
    for (const place of [`${otherIp}:8080`, `${otherName}:8080`, `${gatewayOnOther ?? ''}:3128`]) {
      const answer = await raw(`CONNECT ${place} HTTP/1.1\r\n\r\nGET / HTTP/1.0\r\n\r\n`, 1);
      expect(status(answer), place).toBe(403);
      expect(answer, place).not.toContain('Not Found');
    }
    // The name is known to the gateway's resolver: it is the address check that refuses it.
    expect(await raw(`CONNECT ${otherName}:8080 HTTP/1.1\r\n\r\n`)).toContain(`${otherName} resolves to ${otherIp}`);

    // Smuggling: Content-Length with Transfer-Encoding, and two Transfer-Encodings.
    const smuggled = `GET http://${target}/smuggled HTTP/1.1\r\nHost: ${target}\r\n\r\n`;
    expect(
      status(
        await raw(
          `POST http://${target}/a HTTP/1.1\r\nHost: ${target}\r\nContent-Length: ${5 + smuggled.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
        ),
      ),
    ).toBe(400);
    expect(
      status(
        await raw(
          `POST http://${target}/b HTTP/1.1\r\nHost: ${target}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${smuggled}`,
        ),
      ),
    ).toBe(400);

    // An oversized head is refused before it reaches the policy.
    expect([400, 431]).toContain(
      status(await raw(`GET http://${target}/big HTTP/1.1\r\nHost: ${target}\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`)),
    );

    // None of it reached the outside.
    expect(seen).toEqual([`${target} /ok`]);

    // And the core still hears the gateway: the refusals and a last allowed request are on the record.
    expect(await raw(`GET http://${target}/last HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`, 2)).toContain(
      'hello from the outside',
    );
    await eventually(async () => {
      const log = await readNetworkLog(identity, 500);
      expect(log.some((entry) => entry.event === 'end' && entry.port === port && entry.bytesDown > 0 && entry.decision === 'allow')).toBe(
        true,
      );
      expect(log.filter((entry) => entry.event === 'refused').length).toBeGreaterThanOrEqual(spellings.length + forbidden.length);
      // Nothing a bottle sent reaches the record as a control character (a terminal escape, a line break).
      expect(log.filter((entry) => /[\x00-\x1f\x7f-\x9f]/.test(`${entry.host} ${entry.reason ?? ''} ${entry.by}`))).toEqual([]);
    }, 20_000);
  }, 300_000);
});
