// The "outside" of `npm run bench net`, run by node in a container of its own: GET /big?N streams
// N bytes (plain HTTP on 8080, HTTPS on 8443 with the certificate in /certs), anything else a short body.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const chunk = Buffer.alloc(1 << 20, 97);

function handler(request, response) {
  const big = /^\/big\?(\d+)$/.exec(request.url || '');
  if (big === null) {
    response.end('hello from outside\n');
    return;
  }
  const total = Number(big[1]);
  response.setHeader('content-length', total);
  let sent = 0;
  const write = () => {
    while (sent < total) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += part.length;
      if (!response.write(part)) return void response.once('drain', write);
    }
    response.end();
  };
  write();
}

http.createServer(handler).listen(8080, '0.0.0.0');
const tls = { key: fs.readFileSync('/certs/key.pem'), cert: fs.readFileSync('/certs/cert.pem') };
https.createServer(tls, handler).listen(8443, '0.0.0.0', () => process.stdout.write('listening\n'));
