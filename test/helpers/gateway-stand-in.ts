import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GATEWAY_RUN_DIR } from '../../src/core/engine/gateway-image';

/*
 * A STAND-IN for the gateway program (src/gateway, built by another helper of issue 19), for the
 * network tests only: they are about who can reach what, not about the proxy. Run plain, it listens
 * on :3128 and answers every connection with a banner; with `--control` it speaks JSON lines on
 * stdin/stdout: `ready` first, then an echo of each message (a `flood` message gets a 2 MiB line, to
 * try the reader's cap), and a `pong` for a `ping` as the real one answers (a launch waits for it).
 * Every line the core sends is also appended to GATEWAY_STAND_IN_RECORD in the gateway container,
 * so a test reads exactly what was pushed (the tables, the credentials table of issue 20).
 */
export const GATEWAY_STAND_IN_BANNER = 'claude-bottle gateway stand-in';
/** Where the stand-in keeps every control line it was sent, one per line, in the gateway container (its one writable folder). */
export const GATEWAY_STAND_IN_RECORD = `${GATEWAY_RUN_DIR}/control-in.jsonl`;

const SOURCE = `'use strict';
const net = require('node:net');
if (process.argv.includes('--control')) {
  const lines = require('node:readline').createInterface({ input: process.stdin });
  const send = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
  send({ type: 'ready' });
  lines.on('line', (line) => {
    require('node:fs').appendFileSync(${JSON.stringify(GATEWAY_STAND_IN_RECORD)}, line + '\\n');
    const message = JSON.parse(line);
    if (message.type === 'flood') process.stdout.write('x'.repeat(2 * 1024 * 1024) + '\\n');
    else if (message.type === 'ping') send({ type: 'pong', nonce: message.nonce });
    else send({ type: 'echo', message });
  });
  lines.on('close', () => process.exit(0));
} else {
  net.createServer((socket) => socket.end(${JSON.stringify(`${GATEWAY_STAND_IN_BANNER}\n`)})).listen(3128, '0.0.0.0');
}
`;

/** Writes the stand-in into `dir`; returns its path (for CLAUDE_BOTTLE_GATEWAY_PROGRAM). */
export async function writeGatewayStandIn(dir: string): Promise<string> {
  const path = join(dir, 'gateway-stand-in.cjs');
  await writeFile(path, SOURCE, { mode: 0o644 });
  return path;
}
