/**
 * The gateway program, bundled into one CommonJS file (scripts/build-gateway.mjs) and run by node in
 * the gateway container. Options: --port N (3128), --host ADDRESS (0.0.0.0), --hold-ms N (60000),
 * --max-held-per-bottle N (200), --max-held-total N (1000), --max-header-bytes N (16384),
 * --max-sockets-per-bottle N (1024: open sockets from one source address, whatever they carry),
 * --max-sockets-total N (3000: open sockets from every source together; sized to the container's memory),
 * --backlog-records N (5000), --backlog-bytes N (2 MiB): the records kept until the recorder core
 * acknowledges them (connection-backlog.ts), oldest dropped past either.
 * --control-socket PATH also serves the control protocol on a Unix socket in the container, one
 * stream per connection (each gets `ready`, and every event); `--control PATH` (run by `docker exec
 * -i` in the gateway container: the core's way in over any engine API) relays its stdin and stdout
 * to that socket and does nothing else. The control protocol is documented in control-protocol.ts. When the control stream ends the
 * proxy keeps serving on its last tables (held connections time out), so the bottles keep their
 * network while no app is attached.
 */
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { ConnectionBacklog, isRecordable } from './connection-backlog';
import { createControlWriter, readControlLines, type ControlChannel } from './control-channel';
import { CONTROL_PROTOCOL_VERSION, type ControlIn } from './control-protocol';
import { DEFAULT_GATEWAY_OPTIONS, Gateway, type GatewayOptions } from './gateway-server';
import { GatewayPolicy } from './gateway-policy';

const NUMERIC_FLAGS: Record<string, keyof Omit<GatewayOptions, 'host'>> = {
  '--port': 'port',
  '--hold-ms': 'holdMs',
  '--max-held-per-bottle': 'maxHeldPerBottle',
  '--max-held-total': 'maxHeldTotal',
  '--max-header-bytes': 'maxHeaderBytes',
  '--max-sockets-per-bottle': 'maxSocketsPerBottle',
  '--max-sockets-total': 'maxSocketsTotal',
  '--backlog-records': 'backlogRecords',
  '--backlog-bytes': 'backlogBytes',
};

export function parseGatewayArgs(args: readonly string[]): GatewayOptions {
  const options = { ...DEFAULT_GATEWAY_OPTIONS };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index] ?? '';
    const value = args[index + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--host') {
      options.host = value;
      continue;
    }
    const key = NUMERIC_FLAGS[flag];
    if (key === undefined) throw new Error(`unknown option ${flag}`);
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0 || number > 10_000_000) throw new Error(`${flag} takes a whole number, not "${value}"`);
    options[key] = number;
  }
  return options;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} gateway: ${line}\n`);
}

/** Takes `flag PATH` out of the arguments; the path, or null when the flag is not there. */
function takePathFlag(args: string[], flag: string): string | null {
  const at = args.indexOf(flag);
  if (at === -1) return null;
  const path = args[at + 1];
  if (path === undefined || !path.startsWith('/')) throw new Error(`${flag} needs an absolute path`);
  args.splice(at, 2);
  return path;
}

/** The relay a control exec runs: stdin to the gateway's control socket, its answers to stdout. */
function relayControl(path: string): void {
  const socket = connect(path);
  socket.on('error', (error: Error) => {
    log(`control socket ${path}: ${error.message}`);
    process.exit(1);
  });
  socket.on('close', () => process.exit(0));
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const relayTo = takePathFlag(args, '--control');
  if (relayTo !== null) return relayControl(relayTo);
  const socketPath = takePathFlag(args, '--control-socket');
  const options = parseGatewayArgs(args);
  // Every control stream (stdin/stdout, and each socket connection) gets every event; a record
  // the core writes is numbered and kept until the recorder acknowledges it.
  const stdout = createControlWriter(process.stdout);
  const outputs = new Set<ControlChannel>([stdout]);
  const backlog = new ConnectionBacklog({ maxRecords: options.backlogRecords, maxBytes: options.backlogBytes });
  const control: ControlChannel = {
    send: (message) => {
      const sent = message.type === 'connection' && isRecordable(message) ? backlog.add(message) : message;
      for (const output of outputs) output.send(sent);
    },
  };
  const policy = new GatewayPolicy();
  const gateway = new Gateway(options, policy, control, log);

  /** One control line of one stream; `reply` is that stream's own output (a replay goes to it alone). */
  const handle = (message: ControlIn, reply: ControlChannel): void => {
    switch (message.type) {
      case 'replay':
        for (const out of backlog.replay(message.epoch, message.after)) reply.send(out);
        return;
      case 'ack':
        backlog.ack(message.epoch, message.seq);
        return;
      case 'bottles':
        gateway.setBottles(message.bottles);
        return;
      case 'rules':
        policy.setRules(message.rules);
        gateway.redecide();
        return;
      case 'credentials':
        // Issue 20's TLS termination and injection are the gateway part's; until then, a plain tunnel.
        return;
      case 'ping':
        control.send(message.nonce === undefined ? { type: 'pong' } : { type: 'pong', nonce: message.nonce });
        return;
      case 'decide': {
        const request = gateway.answer(message.id, message.verdict);
        if (request === null) {
          control.send({ type: 'error', message: `no pending request ${message.id} (already settled?)` });
          return;
        }
        if (message.scope === 'once') return;
        const bottle = gateway.bottleByIdentity(request.identity);
        if (bottle === undefined) return;
        const added = policy.addAnswer(bottle, gateway.bottleEntries(), message.scope, message.verdict, request);
        if (!added.ok) control.send({ type: 'error', message: `answer to ${message.id} not kept as a rule: ${added.error}` });
        gateway.redecide();
        return;
      }
    }
  };
  readControlLines(
    process.stdin,
    (message) => handle(message, stdout),
    (message) => {
      log(message);
      control.send({ type: 'error', message });
    },
  );
  process.stdin.on('end', () => log('control stream ended: serving on the last tables'));

  const port = await gateway.listen();
  log(`listening on ${options.host}:${port}`);
  control.send({ type: 'ready', port, version: CONTROL_PROTOCOL_VERSION });
  if (socketPath !== null) {
    // A socket left by a previous run of the container (its tmpfs is new each start, but be sure).
    rmSync(socketPath, { force: true });
    const server = createServer((socket) => {
      const output = createControlWriter(socket);
      outputs.add(output);
      socket.on('close', () => outputs.delete(output));
      readControlLines(
        socket,
        (message) => handle(message, output),
        (message) => output.send({ type: 'error', message }),
      );
      output.send({ type: 'ready', port, version: CONTROL_PROTOCOL_VERSION });
      // What is held now was told to the streams open then: a core that connects later (the app
      // started after a CLI-only while, a reconnect) learns of it here and records it.
      for (const pending of gateway.pendingMessages()) output.send(pending);
    });
    server.on('error', (error: Error) => log(`control socket ${socketPath}: ${error.message}`));
    server.listen(socketPath, () => log(`control socket on ${socketPath}`));
  }
}

main().catch((error: unknown) => {
  log(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
