/**
 * The core's side of "every connection on the record" (issue 19): RecordSequence, with the cursor
 * and the bottle's log as real files in a temporary state root, driven by the REAL gateway program
 * (a child process, its control channel on stdio, loopback as the bottle and the outside). Records
 * made while nothing recorded are replayed and written in order, once each; a gap in what the
 * stream delivered is filled by a replay; what the gateway's bound dropped is one `lost` line; a
 * restarted gateway's records are taken whatever the old cursor said.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RecordSequence } from '../../src/core/services/network-record-sequence';
import { readNetworkCursor, writeNetworkCursor } from '../../src/core/state/network-cursor';
import { appendNetworkLog, readNetworkLog } from '../../src/core/state/network-log';
import { bottlePaths } from '../../src/core/state/state-paths';
import type { NetworkLogEntry } from '../../src/shared/network-view';
import { GatewayProcess, proxyGet, type GatewayMessage, type Outside, useGatewayTestbed } from '../helpers/gateway-process';
import { useTempHome } from '../helpers/temp-home';

useTempHome();
const ID = 'seq-abcde';
let outside: Outside;
let gateway: GatewayProcess | undefined;
useGatewayTestbed(
  (started) => (outside = started),
  () => gateway,
);

async function startGateway(args: string[] = []): Promise<GatewayProcess> {
  const started = await GatewayProcess.start(args);
  gateway = started;
  started.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1', identity: ID, mode: 'locked' }] });
  started.send({ type: 'ping', nonce: 'in' });
  await started.next((message) => message.type === 'pong' && message.nonce === 'in');
  return started;
}

/** `count` refused connections (locked, nothing allowed), to hosts `<tag><n>.example`: each one `refused` record. */
async function refused(on: GatewayProcess, count: number, tag: string): Promise<void> {
  for (let index = 0; index < count; index++)
    expect((await proxyGet(on.port, `http://${tag}${index}.example:${outside.httpPort}/`)).status).toBe(403);
}

/** A recorder core's sequence on this gateway's stream, as EngineGateway feeds it; `skip` drops messages on the way (a stream that lost lines). */
function record(on: GatewayProcess, warnings: string[], skip: (message: GatewayMessage) => boolean = () => false): RecordSequence {
  const sequence = new RecordSequence({
    isRecorder: () => Promise.resolve(true),
    readCursor: () => readNetworkCursor('default'),
    writeCursor: (position) => writeNetworkCursor('default', position),
    write: (identity, entry) => appendNetworkLog(identity, entry).then(() => true),
    logged: () => undefined,
    replay: (position) => {
      on.send({ type: 'replay', epoch: position?.epoch ?? null, after: position?.seq ?? 0 });
      return true;
    },
    ack: (position) => on.send({ type: 'ack', epoch: position.epoch, seq: position.seq }),
    warn: (message) => warnings.push(message),
  });
  on.onMessage((message) => {
    if (skip(message)) return;
    if (message.type === 'backlog') sequence.backlog(message as never);
    if (message.type !== 'connection' || message.event === 'start') return;
    const { epoch, seq, identity, type: _type, connection: _connection, source: _source, ...entry } = message;
    const at = typeof epoch === 'string' && typeof seq === 'number' ? { epoch, seq } : null;
    sequence.received(identity as string, { bytesUp: 0, bytesDown: 0, ...entry } as unknown as NetworkLogEntry, at);
  });
  return sequence;
}

async function paths(): Promise<string[]> {
  return (await readNetworkLog(ID, 1000)).map((entry) =>
    entry.event === 'lost' ? `lost: ${entry.reason ?? ''}` : entry.host.replace('.example', ''),
  );
}

/** The log once it holds `count` lines (read again while it is being appended to). */
async function logHolds(count: number): Promise<string[]> {
  for (let tries = 0; tries < 200; tries++) {
    const lines = await paths().catch((error: unknown) => {
      // Read while the sequence appends: readSmallFile refuses a file that changes under it.
      if (!String(error).includes('is changing while it is read')) throw error;
      return [];
    });
    if (lines.length >= count) return lines;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return paths();
}

describe('the recorder core writes the gateway records in order, once each', () => {
  it('writes what was made while nothing recorded when its stream opens, then the live ones, and saves and acknowledges its cursor', async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    const on = await startGateway();
    await refused(on, 3, 'before');
    const warnings: string[] = [];
    const sequence = record(on, warnings);
    sequence.stream(true);
    await refused(on, 1, 'live');
    const lines = await logHolds(4);
    expect(lines).toHaveLength(4);
    expect(lines).toEqual(['before0', 'before1', 'before2', 'live0']);
    // A second replay (a stream reopened) brings the same records again: none is written twice.
    sequence.stream(true);
    await refused(on, 1, 'after');
    expect(await logHolds(5)).toHaveLength(5);
    await sequence.flush();
    const epoch = (on.all('connection').find((message) => 'seq' in message)?.epoch ?? '') as string;
    expect(await readNetworkCursor('default')).toEqual({ epoch, seq: 5 });
    // Acknowledged: the gateway keeps none of them now.
    on.send({ type: 'replay', epoch: null, after: 0 });
    await on.next((message) => message.type === 'backlog' && message.from === 6 && message.through === 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await paths()).toHaveLength(5);
    expect(warnings).toEqual([]);
  });

  it('fills a gap in what the stream delivered from a replay, in order', async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    const on = await startGateway();
    const warnings: string[] = [];
    let dropped = false;
    // The second live record never reaches the core (a stream that fell behind drops lines).
    record(on, warnings, (message) => {
      if (dropped || message.type !== 'connection' || message.seq !== 2 || message.event === 'start') return false;
      dropped = true;
      return true;
    }).stream(true);
    await on.next((message) => message.type === 'backlog');
    await refused(on, 3, 'gap');
    const lines = await logHolds(3);
    expect(dropped).toBe(true);
    expect(lines).toEqual(['gap0', 'gap1', 'gap2']);
    expect(warnings).toEqual([]);
  });

  it("writes one line for what the gateway's bound dropped, then the rest", async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    const on = await startGateway(['--backlog-records', '2']);
    await refused(on, 5, 'bound');
    record(on, []).stream(true);
    const lines = await logHolds(3);
    expect(lines[0]).toBe("lost: 3 connection records lost: the gateway's backlog was full while no app or serve was recording");
    expect(lines.slice(1)).toEqual(['bound3', 'bound4']);
    expect(await readNetworkLog(ID, 1)).toHaveLength(1);
  });

  it("takes a restarted gateway's records whatever the cursor of the old one said", async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    await writeNetworkCursor('default', { epoch: '0123456789abcdef', seq: 40 });
    const on = await startGateway();
    await refused(on, 2, 'restarted');
    record(on, []).stream(true);
    const lines = await logHolds(2);
    expect(lines).toEqual(['restarted0', 'restarted1']);
  });
});
