import { join } from 'node:path';
import { GatewayProcess } from '../../test/helpers/gateway-child';
import { openTunnelClient, startRecordingServer, type TunnelClient } from '../../test/helpers/gateway-signing';
import { makeTestCa } from '../../test/helpers/throwaway-ca';
import { median, ROOT, type Figure } from '../bench-lib';

/*
 * What signing a request (issue 20) adds, measured on loopback with the built gateway program
 * (out/gateway/gateway.cjs, as `npm run bench` builds it): a bottle's request to an injection host
 * (CONNECT, TLS with the gateway's leaf, the placeholder replaced, a second TLS connection to the
 * upstream) against the same request through a plain CONNECT tunnel to the same kind of local TLS
 * server, alternated in one run. Each pair is timed on a new connection (what an agent pays for its
 * first request) and again for a second request on that kept-alive connection.
 */

const HOST = 'api.signed.bench';
const PLACEHOLDER = 'sk-ant-oat01-claude-bottle-placeholder-0123456789abcdef';
const ROUNDS = 100;

interface Timings {
  first: number[];
  again: number[];
}

async function timedPair(open: () => Promise<TunnelClient>, into: Timings): Promise<void> {
  const headers = { authorization: `Bearer ${PLACEHOLDER}` };
  const start = performance.now();
  const client = await open();
  const first = await client.request('GET', '/v1/messages', headers);
  const middle = performance.now();
  const again = await client.request('GET', '/v1/messages', headers);
  const end = performance.now();
  client.close();
  if (first.status !== 200 || again.status !== 200) throw new Error(`a bench request answered ${first.status}/${again.status}`);
  into.first.push(middle - start);
  into.again.push(end - middle);
}

function figure(what: string, signed: number[], plain: number[], target: number): Figure {
  const ours = median(signed);
  const reference = median(plain);
  return {
    figure: `net: ${what}, injected (ours) vs a plain CONNECT tunnel to the same kind of local TLS server (docker column)`,
    ours,
    docker: reference,
    unit: 'ms',
    ratio: null,
    target: `≤ ${target} ms added (median)`,
    pass: ours - reference <= target,
    note: `${(ours - reference).toFixed(1)} ms added (${ours.toFixed(1)} vs ${reference.toFixed(1)} ms), median of ${ROUNDS} on loopback`,
  };
}

/** `npm run bench net`: the injected request's added latency at the median (issue 20). */
export async function signedLatencyFigures(): Promise<Figure[]> {
  const installationCa = makeTestCa('claude-bottle bench installation CA');
  const upstreamCa = makeTestCa('bench upstream CA');
  const api = await startRecordingServer(upstreamCa.sign([HOST]));
  const other = await startRecordingServer(upstreamCa.sign(['localhost'], ['127.0.0.1']));
  const gateway = await GatewayProcess.start([], join(ROOT, 'out', 'gateway', 'gateway.cjs'));
  try {
    const leaf = installationCa.sign([HOST]);
    gateway.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1', identity: 'bench-signed', mode: 'locked', credentialSet: 'bench' }] });
    const rules = [`${HOST}:${api.port}`, `127.0.0.1:${other.port}`].map((pattern) => ({ scope: 'operator', effect: 'allow', pattern }));
    gateway.send({ type: 'rules', rules: [{ identity: 'bench-signed', rules }] });
    gateway.send({
      type: 'credentials',
      sets: [
        {
          set: 'bench',
          injections: [
            { host: HOST, port: api.port, header: 'authorization', placeholder: PLACEHOLDER, value: 'sk-ant-oat01-bench-value' },
          ],
        },
      ],
      certificates: [{ host: HOST, cert: leaf.cert, key: leaf.key }],
      upstreams: [{ host: HOST, port: api.port, address: '127.0.0.1', addressPort: api.port, ca: upstreamCa.cert }],
    });
    gateway.send({ type: 'ping', nonce: 'bench' });
    await gateway.next((message) => message.type === 'pong');
    const signed: Timings = { first: [], again: [] };
    const plain: Timings = { first: [], again: [] };
    const openSigned = (): Promise<TunnelClient> =>
      openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.1', ca: installationCa.cert, servername: HOST });
    const openPlain = (): Promise<TunnelClient> =>
      openTunnelClient(gateway.port, `127.0.0.1:${other.port}`, { from: '127.0.0.1', ca: upstreamCa.cert, servername: 'localhost' });
    // One warm-up of each, then alternating (A/B, B/A, …) so a burst of load falls on both.
    await timedPair(openSigned, { first: [], again: [] });
    await timedPair(openPlain, { first: [], again: [] });
    for (let round = 0; round < ROUNDS; round += 1)
      for (const which of round % 2 === 0 ? (['signed', 'plain'] as const) : (['plain', 'signed'] as const))
        await timedPair(which === 'signed' ? openSigned : openPlain, which === 'signed' ? signed : plain);
    if (!api.seen.every((request) => request.headers.authorization === 'Bearer sk-ant-oat01-bench-value'))
      throw new Error('a bench request to the injection host arrived unsigned');
    return [
      figure('a request on a new connection', signed.first, plain.first, 10),
      figure('a second request on a kept-alive connection', signed.again, plain.again, 2),
    ];
  } finally {
    await gateway.stop();
    await api.close();
    await other.close();
  }
}
