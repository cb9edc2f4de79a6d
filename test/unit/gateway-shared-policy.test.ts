/**
 * The gateway program (the real bundle, as in gateway-program.test.ts) deciding with the shared
 * policy: rules pushed per bottle from every scope, nearest scope first; `*.` patterns; the guard
 * that no mode and no rule lifts (cloud metadata); exact-address rules, and only the operator's,
 * opening a private target; an answer for the agent reaching every bottle of that agent.
 */
import { describe, expect, it } from 'vitest';
import { GatewayProcess, proxyConnect, proxyGet, type Outside, useGatewayTestbed } from '../helpers/gateway-process';

let outside: Outside;
let gateway: GatewayProcess;

type Rule = [scope: string, effect: string, pattern: string];

function rules(identity: string, list: Rule[]): { identity: string; rules: unknown[] } {
  return { identity, rules: list.map(([scope, effect, pattern]) => ({ scope, effect, pattern })) };
}

/** Pushes a table and waits until the gateway has read it (a refused line answers with an error first). */
async function push(message: unknown): Promise<void> {
  const nonce = String(Math.random());
  gateway.send(message);
  gateway.send({ type: 'ping', nonce });
  await gateway.next((reply) => reply.type === 'pong' && reply.nonce === nonce);
}

async function startWith(bottles: unknown[], table: unknown[]): Promise<void> {
  gateway = await GatewayProcess.start(['--hold-ms', '20000']);
  await push({ type: 'bottles', bottles });
  await push({ type: 'rules', rules: table });
}

useGatewayTestbed(
  (started) => (outside = started),
  () => gateway,
);

describe('the shared policy in the gateway program', () => {
  it("lets the operator's deny beat what the agent definition allows, and the bottle's own allow beat both", async () => {
    const web = `localhost:${outside.httpPort}`;
    const dial: Rule = ['operator', 'allow', `127.0.0.1:${outside.httpPort}`];
    await startWith(
      [{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'locked', agent: 'claude' }],
      [rules('bottle-a', [['definition', 'allow', web], dial])],
    );
    const allowed = await proxyGet(gateway.port, `http://${web}/declared`);
    expect(allowed.status).toBe(200);

    await push({ type: 'rules', rules: [rules('bottle-a', [['definition', 'allow', web], ['operator', 'deny', web], dial])] });
    const denied = await proxyGet(gateway.port, `http://${web}/overruled`);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain(`denied by rule ${web} (the operator's rules for all bottles)`);
    expect(denied.body).toContain(`The operator can allow it with: claude-bottle allow bottle-a ${web}`);
    expect(outside.httpRequests.filter((line) => line.endsWith(' /overruled'))).toEqual([]);
    // The record comes on the control stream, the 403 on the socket: either may be read first.
    expect(await gateway.next((message) => message.type === 'connection' && message.event === 'refused')).toMatchObject({
      by: 'rule',
      host: 'localhost',
    });

    await push({
      type: 'rules',
      rules: [rules('bottle-a', [['definition', 'allow', web], ['operator', 'deny', web], ['bottle', 'allow', web], dial])],
    });
    expect((await proxyGet(gateway.port, `http://${web}/own`)).status).toBe(200);
  });

  it('matches a *. pattern below its name only: the rest is refused by the locked mode before any lookup', async () => {
    await startWith(
      [{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'locked' }],
      [rules('bottle-a', [['definition', 'allow', '*.bottle.test:443']])],
    );
    // Allowed by the pattern, so the gateway looks the name up (nothing resolves *.test here): refused by the check.
    const below = proxyConnect(gateway.port, 'API.Bottle.Test.:443');
    expect(await below.status).toBe(403);
    expect(await below.rest).toContain('api.bottle.test does not resolve');
    for (const target of ['bottle.test:443', 'evil-bottle.test:443', 'bottle.test.evil.example:443', 'api.bottle.test:80']) {
      const tunnel = proxyConnect(gateway.port, target);
      expect(await tunnel.status, target).toBe(403);
      expect(await tunnel.rest, target).toContain("is not on the bottle's allowlist and the bottle is locked");
    }
    const refused = gateway.all('connection').filter((message) => message.event === 'refused');
    expect(refused.map((message) => [message.host, message.by])).toEqual([
      ['api.bottle.test', 'check'],
      ['bottle.test', 'mode'],
      ['evil-bottle.test', 'mode'],
      ['bottle.test.evil.example', 'mode'],
      ['api.bottle.test', 'mode'],
    ]);
  });

  it('refuses cloud metadata in open mode, in every spelling, and takes no rule naming it', async () => {
    await startWith([{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'open' }], []);
    const plain = await proxyGet(gateway.port, 'http://169.254.169.254/latest/meta-data/');
    expect(plain.status).toBe(403);
    expect(plain.body).toBe(
      'claude-bottle gateway: 169.254.169.254:80 is not allowed for this bottle (169.254.169.254:80 is a metadata address, never dialled).\n',
    );
    for (const target of ['[::ffff:a9fe:a9fe]:80', '0xa9.0xfe.0xa9.0xfe:80', '2852039166:80', '[fd00:ec2::254]:80', '168.63.129.16:80']) {
      const tunnel = proxyConnect(gateway.port, target);
      expect(await tunnel.status, target).toBe(403);
      expect(await tunnel.rest, target).toMatch(/metadata address|written another way/);
    }
    gateway.send({ type: 'rules', rules: [rules('bottle-a', [['bottle', 'allow', '169.254.169.254:80']])] });
    expect(await gateway.next((message) => message.type === 'error')).toMatchObject({
      message: expect.stringContaining('metadata address, which no rule can open'),
    });
    expect((await proxyGet(gateway.port, 'http://169.254.169.254/again')).status).toBe(403);
    expect(gateway.all('connection').filter((message) => message.event === 'start')).toEqual([]);
  });

  it("opens a private target by an exact-address rule of the operator's, never of the agent definition", async () => {
    const target = `http://127.0.0.1:${outside.httpPort}/private`;
    await startWith([{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'open' }], []);
    const closed = await proxyGet(gateway.port, target);
    expect(closed.status).toBe(403);
    expect(closed.body).toContain(
      `127.0.0.1:${outside.httpPort} is a loopback address: only an operator's rule naming it exactly opens it`,
    );
    expect(closed.body).toContain(`claude-bottle allow bottle-a 127.0.0.1:${outside.httpPort}`);

    gateway.send({ type: 'rules', rules: [rules('bottle-a', [['definition', 'allow', `127.0.0.1:${outside.httpPort}`]])] });
    expect(await gateway.next((message) => message.type === 'error')).toMatchObject({
      message: expect.stringContaining('an agent definition cannot open a loopback address'),
    });
    expect((await proxyGet(gateway.port, target)).status).toBe(403);

    for (const scope of ['bottle', 'agent', 'operator']) {
      await push({ type: 'rules', rules: [rules('bottle-a', [[scope, 'allow', `127.0.0.1:${outside.httpPort}`]])] });
      expect((await proxyGet(gateway.port, target)).status, scope).toBe(200);
      // The exact address on its port only: the next port stays closed.
      expect((await proxyGet(gateway.port, `http://127.0.0.1:${outside.httpPort + 1}/`)).status, scope).toBe(403);
    }
  });

  it('refuses a private address literal in ask mode at once (nothing to ask), and holds a name', async () => {
    await startWith([{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'ask' }], []);
    const literal = proxyConnect(gateway.port, `10.1.2.3:5432`);
    expect(await literal.status).toBe(403);
    expect(await literal.rest).toContain('10.1.2.3:5432 is a private address');
    expect(gateway.all('pending')).toEqual([]);
    const name = proxyConnect(gateway.port, `db.example:5432`);
    expect(await gateway.next((message) => message.type === 'pending')).toMatchObject({ host: 'db.example', port: 5432 });
    name.socket.destroy();
  });

  it('keeps an answer for the agent as a rule of every bottle of that agent, and of no other', async () => {
    const bottles = [
      { ip: '127.0.0.1', identity: 'bottle-a', mode: 'ask', agent: 'claude' },
      { ip: '127.0.0.2', identity: 'bottle-b', mode: 'ask', agent: 'claude' },
      { ip: '127.0.0.3', identity: 'bottle-c', mode: 'ask', agent: 'other' },
    ];
    const dial: Rule[] = [['operator', 'allow', `127.0.0.1:${outside.httpPort}`]];
    await startWith(bottles, [rules('bottle-a', dial), rules('bottle-b', dial), rules('bottle-c', dial)]);
    const url = `http://localhost:${outside.httpPort}/agent`;
    const first = proxyGet(gateway.port, url);
    const pending = await gateway.next((message) => message.type === 'pending');
    gateway.send({ type: 'decide', id: pending.id, verdict: 'allow', scope: 'agent' });
    expect((await first).status).toBe(200);
    expect((await proxyGet(gateway.port, url, { from: '127.0.0.2' })).status).toBe(200);
    expect(gateway.all('pending')).toHaveLength(1);
    const stranger = proxyGet(gateway.port, url, { from: '127.0.0.3' });
    expect(await gateway.next((message) => message.type === 'pending' && message.identity === 'bottle-c')).toMatchObject({
      host: 'localhost',
    });
    gateway.send({ type: 'decide', id: gateway.all('pending')[1]?.id, verdict: 'deny', scope: 'once' });
    expect((await stranger).status).toBe(403);
  });
});
