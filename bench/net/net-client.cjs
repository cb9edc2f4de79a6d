// The client of `npm run bench net`, run by node in a container: either on a plain bridge (direct) or
// in a bottle's network namespace (`--network container:<bottle>`: the bottle's own address and
// route, so through its gateway). Prints one JSON line. Modes:
//   download URL [PROXY]        a GET of URL (through the HTTP proxy PROXY when given): bytes, seconds
//   tunnel HOST:PORT PATH PROXY|- [tls]  a GET of PATH inside a CONNECT tunnel (or a direct socket with -),
//                               over TLS when asked (the certificate is not checked: our own test server)
//   ttfb N URL [PROXY]          N sequential small GETs: the time to the first byte of each, in ms
//   hold N HOST:PORT PROXY      N CONNECTs at once, to PORT, PORT+1, … (each its own held request);
//                               "holding" once all are sent, then how each ended
'use strict';
const http = require('node:http');
const net = require('node:net');
const tls = require('node:tls');

const [mode, ...args] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

function get(url, proxy) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const via = proxy ? new URL(proxy) : null;
    const start = now();
    let first = null;
    let bytes = 0;
    const request = http.request(
      {
        host: via ? via.hostname : target.hostname,
        port: via ? via.port : target.port,
        path: via ? url : `${target.pathname}${target.search}`,
        headers: { host: target.host },
        agent: false,
      },
      (response) => {
        response.on('data', (chunk) => {
          if (first === null) first = now();
          bytes += chunk.length;
        });
        response.on('end', () => resolve({ status: response.statusCode, bytes, ms: now() - start, ttfbMs: (first ?? now()) - start }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** A socket to HOST:PORT: through a CONNECT tunnel of PROXY, or straight there. */
function open(target, proxy) {
  return new Promise((resolve, reject) => {
    const [host, port] = target.split(':');
    if (proxy === '-') {
      const socket = net.connect({ host, port: Number(port) }, () => resolve(socket));
      socket.once('error', reject);
      return;
    }
    const via = new URL(proxy);
    const socket = net.connect({ host: via.hostname, port: Number(via.port) });
    socket.once('error', reject);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const status = head.subarray(0, end).toString('latin1').split(' ')[1];
      if (status !== '200') return reject(new Error(`CONNECT answered ${status}`));
      socket.pause();
      if (end + 4 < head.length) socket.unshift(head.subarray(end + 4));
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

async function tunnel(target, path, proxy, secure) {
  const start = now();
  const raw = await open(target, proxy);
  const socket = secure ? tls.connect({ socket: raw, rejectUnauthorized: false }) : raw;
  if (secure) await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
  let bytes = 0;
  let first = null;
  await new Promise((resolve, reject) => {
    socket.on('data', (chunk) => {
      if (first === null) first = now();
      bytes += chunk.length;
    });
    socket.once('end', resolve);
    socket.once('error', reject);
    socket.resume();
  });
  socket.destroy();
  return { bytes, ms: now() - start, ttfbMs: (first ?? now()) - start };
}

function hold(count, first, proxy) {
  const via = new URL(proxy);
  const [host, port] = first.split(':');
  const ended = [];
  let sent = 0;
  return new Promise((resolve) => {
    for (let i = 0; i < count; i += 1) {
      const target = `${host}:${Number(port) + i}`;
      const socket = net.connect({ host: via.hostname, port: Number(via.port) }, () => {
        socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
        sent += 1;
        if (sent === count) print({ holding: count });
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        ended.push(answer.split(' ')[1] ?? 'closed');
        if (ended.length === count) resolve(ended);
      });
    }
  });
}

async function main() {
  if (mode === 'download') return print(await get(args[0], args[1]));
  if (mode === 'tunnel') return print(await tunnel(args[0], args[1], args[2], args[3] === 'tls'));
  if (mode === 'ttfb') {
    const times = [];
    for (let i = 0; i < Number(args[0]); i += 1) times.push((await get(args[1], args[2])).ttfbMs);
    return print({ ttfbMs: times });
  }
  if (mode === 'hold') {
    const ended = await hold(Number(args[0]), args[1], args[2]);
    const counts = {};
    for (const status of ended) counts[status] = (counts[status] ?? 0) + 1;
    return print({ ended: counts });
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((error) => {
  process.stderr.write(`net-client: ${error.message}\n`);
  process.exit(1);
});
