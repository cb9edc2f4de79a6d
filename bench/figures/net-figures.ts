import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median, type Figure } from '../bench-lib';
import { createNetStand, gatewayCpuSeconds, gatewayStats, OUTSIDE_HOST, type NetStand } from '../net/net-stand';
import { signedLatencyFigures } from '../net/signed-latency';

const MB = 100;
const BYTES = MB * 1_000_000;
const ROUNDS = 5;
const TTFB_REQUESTS = 50;
const HELD = 200;

interface Rates {
  gateway: number;
  direct: number;
  /** The gateway container's CPU time for one transfer through it (median). */
  gatewayCpuMs: number;
}

interface Transfer {
  bytes: number;
  ms: number;
}

/** Alternates the gateway and the direct client (A/B, B/A, …) after one warm-up of each; median MB/s of each. */
async function throughput(stand: NetStand, args: (path: 'gateway' | 'direct') => string[]): Promise<Rates> {
  const rates: Record<'gateway' | 'direct', number[]> = { gateway: [], direct: [] };
  const cpu: number[] = [];
  const once = async (path: 'gateway' | 'direct'): Promise<number> => {
    const cpuBefore = await gatewayCpuSeconds();
    const result = (await stand.client(path, args(path))) as Transfer;
    if (path === 'gateway') cpu.push((await gatewayCpuSeconds()) - cpuBefore);
    if (result.bytes < BYTES) throw new Error(`the ${path} download got ${result.bytes} of ${BYTES} bytes`);
    return BYTES / 1e6 / (result.ms / 1000);
  };
  await once('gateway');
  await once('direct');
  for (let round = 0; round < ROUNDS; round += 1)
    for (const path of round % 2 === 0 ? (['gateway', 'direct'] as const) : (['direct', 'gateway'] as const))
      rates[path].push(await once(path));
  return { gateway: median(rates.gateway), direct: median(rates.direct), gatewayCpuMs: median(cpu) * 1000 };
}

function throughputFigure(name: string, rates: Rates): Figure {
  const ratio = rates.gateway / rates.direct;
  return {
    figure: `net: ${MB} MB download ${name}, through the gateway (ours) vs a direct route (docker column)`,
    ours: rates.gateway,
    docker: rates.direct,
    unit: 'MB/s',
    ratio,
    target: 'ratio ≥ 0.8',
    pass: ratio >= 0.8,
    note: `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(1) ?? '?'}, median of ${ROUNDS}; the gateway's CPU: ${rates.gatewayCpuMs.toFixed(0)} ms per ${MB} MB`,
  };
}

async function ttfbFigure(stand: NetStand): Promise<Figure> {
  const url = `http://${OUTSIDE_HOST}:${stand.httpPort}/`;
  const each = String(TTFB_REQUESTS / ROUNDS);
  const through: number[] = [];
  const direct: number[] = [];
  // In alternating batches, so a burst of load on the machine falls on both.
  for (let round = 0; round < ROUNDS; round += 1) {
    through.push(...((await stand.client('gateway', ['ttfb', each, url, stand.proxy])) as { ttfbMs: number[] }).ttfbMs);
    direct.push(...((await stand.client('direct', ['ttfb', each, url])) as { ttfbMs: number[] }).ttfbMs);
  }
  const ours = median(through);
  const reference = median(direct);
  return {
    figure: `net: time to first byte, allowed host over plain HTTP, through the gateway (ours) vs direct (docker column)`,
    ours,
    docker: reference,
    unit: 'ms',
    ratio: null,
    target: '≤ 5 ms added (median)',
    pass: ours - reference <= 5,
    note: `${(ours - reference).toFixed(1)} ms added, median of ${TTFB_REQUESTS} new connections`,
  };
}

/** A full collection (the bench runs without --expose-gc; the flag can be set at run time for a fresh context). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const mib = (bytes: number): number => bytes / 1024 ** 2;

/**
 * 200 CONNECTs from the bottle at once, each to a port no rule allows (ask mode): held at the gateway and
 * shown by the core. Measured while all are held; then the core denies each (the operator's answer),
 * every connection must end, and memory is measured again after a collection.
 */
async function heldFigures(stand: NetStand): Promise<Figure[]> {
  collect();
  const before = { core: process.memoryUsage(), gateway: await gatewayStats() };
  const cpuStart = process.cpuUsage();
  const wallStart = Date.now();
  // Each to its own port: 200 requests for the operator, not one shared by 200 connections.
  const target = `${OUTSIDE_HOST}:20000`;
  const holding = stand.client('gateway', ['hold', String(HELD), target, stand.proxy]) as Promise<{ ended: Record<string, number> }>;
  let pending = 0;
  const deadline = Date.now() + 60_000;
  while (pending < HELD) {
    if (Date.now() > deadline) throw new Error(`only ${pending} of ${HELD} connections were held after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    pending = (await stand.core.network.pending(stand.identity)).length;
  }
  const cpu = process.cpuUsage(cpuStart);
  const corePercent = ((cpu.user + cpu.system) / 1000 / (Date.now() - wallStart)) * 100;
  const during = { core: process.memoryUsage(), gateway: await gatewayStats() };
  for (const request of await stand.core.network.pending(stand.identity))
    await stand.core.network.answer(stand.identity, request.id, 'deny');
  const { ended } = await holding;
  const allRefused = ended['403'] === HELD;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  collect();
  const after = { core: process.memoryUsage(), gateway: await gatewayStats() };
  const coreBack = mib(after.core.heapUsed - before.core.heapUsed) <= 5;
  const gatewayBack = after.gateway.memoryMiB - before.gateway.memoryMiB <= 10;
  const endings = Object.entries(ended)
    .map(([status, count]) => `${count}× ${status}`)
    .join(', ');
  return [
    {
      figure: `net: ${HELD} held connections (ask mode, then all denied): the core's heap while held`,
      ours: mib(during.core.heapUsed),
      docker: null,
      unit: 'MB',
      ratio: null,
      target: 'all end; heap back within 5 MB',
      pass: allRefused && coreBack,
      note: `before ${mib(before.core.heapUsed).toFixed(0)}, after ${mib(after.core.heapUsed).toFixed(0)}; rss ${mib(during.core.rss).toFixed(0)}; CPU ${corePercent.toFixed(1)}% while they arrived; ended: ${endings}`,
    },
    {
      figure: `net: ${HELD} held connections: the gateway container's memory while held (docker stats)`,
      ours: during.gateway.memoryMiB,
      docker: null,
      unit: 'MB',
      ratio: null,
      target: 'all end; memory back within 10 MB',
      pass: allRefused && gatewayBack,
      note: `before ${before.gateway.memoryMiB.toFixed(0)}, after ${after.gateway.memoryMiB.toFixed(0)}; CPU ${during.gateway.cpuPercent.toFixed(1)}% while held`,
    },
  ];
}

/**
 * `npm run bench net`: the gateway's throughput, added latency and held-connection cost (issue 19),
 * then what signing a request adds (issue 20; on loopback, after the containers are gone).
 */
export async function netFigures(project: string): Promise<Figure[]> {
  const stand = await createNetStand(project);
  let figures: Figure[];
  try {
    const http = await throughput(stand, (path) => [
      'download',
      `http://${OUTSIDE_HOST}:${stand.httpPort}/big?${BYTES}`,
      ...(path === 'gateway' ? [stand.proxy] : []),
    ]);
    const tunnel = await throughput(stand, (path) => [
      'tunnel',
      `${OUTSIDE_HOST}:${stand.httpsPort}`,
      `/big?${BYTES}`,
      path === 'gateway' ? stand.proxy : '-',
      'tls',
    ]);
    figures = [
      throughputFigure('over plain HTTP (proxied request)', http),
      throughputFigure('over HTTPS (CONNECT tunnel)', tunnel),
      await ttfbFigure(stand),
      ...(await heldFigures(stand)),
    ];
  } finally {
    await stand.close();
  }
  return [...figures, ...(await signedLatencyFigures())];
}
