import type Docker from 'dockerode';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { instanceId } from '../../src/core/state/instance-id';
import { TEST_NODE_BASE_IMAGE } from './node-base-image';

/*
 * The "outside" of the network tests, as a container on an engine (issue 19): the node test base on
 * a bridge of its own, serving HTTP on two ports, a TCP echo and an SSH banner. Its ports are
 * published on that bridge's host address, which the test puts in PUBLIC space (an address the
 * gateway may ask about; a private one is only ever opened by an exact operator rule). The gateway
 * reaches them there through its egress bridge, as a server on the internet: the engines here
 * isolate one bridge from another (the second one runs without iptables, so the host's FORWARD
 * policy drops what goes between its bridges), but a published port is the host's own.
 *
 * Labelled with the test's instance id: removeTestNetworksAfterEach removes the container and its
 * network with the rest.
 */

export const OUTSIDE_PORTS = { http: 8080, httpAsk: 8081, echo: 7007, ssh: 22 } as const;
export const SSH_BANNER = 'SSH-2.0-OpenSSH_9.2 claude-bottle-test-outside';

const SERVER = `
const net = require('node:net'), http = require('node:http');
const hello = (request, response) => response.end('hello from the outside on ' + request.socket.localPort + '\\n');
http.createServer(hello).listen(${OUTSIDE_PORTS.http});
http.createServer(hello).listen(${OUTSIDE_PORTS.httpAsk});
net.createServer((socket) => socket.pipe(socket)).listen(${OUTSIDE_PORTS.echo});
net.createServer((socket) => { socket.write(${JSON.stringify(`${SSH_BANNER}\r\n`)}); socket.on('data', () => socket.end()); }).listen(2222);
`;

export interface OutsideContainer {
  /** Where its ports are published: the host's address on the outside's own bridge (public space). */
  publicIp: string;
  /** The container's own address on that bridge. */
  containerIp: string;
}

/** Starts the outside on `docker`, its bridge on `subnet` (a /29 in public space no other test uses). */
export async function startOutsideContainer(docker: Docker, subnet: string): Promise<OutsideContainer> {
  const [base] = subnet.split('/') as [string];
  const publicIp = base.replace(/\.\d+$/, (last) => `.${Number(last.slice(1)) + 1}`);
  const name = `claude-bottle-test-outside-${instanceId().slice(0, 12)}`;
  const labels = { [LABEL_INSTANCE]: instanceId(), 'claude-bottle-test.outside': 'true' };
  await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: publicIp }] },
    Labels: labels,
  });
  const published: Record<number, number> = {
    [OUTSIDE_PORTS.http]: OUTSIDE_PORTS.http,
    [OUTSIDE_PORTS.httpAsk]: OUTSIDE_PORTS.httpAsk,
    [OUTSIDE_PORTS.echo]: OUTSIDE_PORTS.echo,
    2222: OUTSIDE_PORTS.ssh,
  };
  const container = await docker.createContainer({
    name,
    Image: TEST_NODE_BASE_IMAGE,
    Cmd: ['node', '-e', SERVER],
    Labels: labels,
    ExposedPorts: Object.fromEntries(Object.keys(published).map((port) => [`${port}/tcp`, {}])),
    HostConfig: {
      NetworkMode: name,
      PortBindings: Object.fromEntries(
        Object.entries(published).map(([inside, outside]) => [`${inside}/tcp`, [{ HostIp: publicIp, HostPort: String(outside) }]]),
      ),
    },
  });
  await container.start();
  const containerIp = (await container.inspect()).NetworkSettings.Networks[name]?.IPAddress ?? '';
  if (containerIp === '') throw new Error(`the outside container has no address on ${name}`);
  return { publicIp, containerIp };
}
