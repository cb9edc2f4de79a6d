import type Docker from 'dockerode';

/** The engine's answers about networks, named here for the rest of the core. */
export type NetworkInspectInfo = Docker.NetworkInspectInfo;
export type NetworkCreateOptions = Docker.NetworkCreateOptions;

/** Which networks a listing is about, in the engine's filter names (`label`, `name`). */
export type NetworkFilters = Record<string, string[]>;

/** How a container joins a network: a fixed IPv4 address (and aliases) or whatever the engine gives. */
export interface NetworkEndpoint {
  ipv4Address?: string;
  aliases?: string[];
}

/** One network of the engine, by id or name: inspected, joined, left, removed. */
export class EngineNetwork {
  constructor(private readonly network: Docker.Network) {}

  get id(): string {
    return this.network.id;
  }

  inspect(): Promise<NetworkInspectInfo> {
    return this.network.inspect();
  }

  async remove(): Promise<void> {
    await this.network.remove();
  }

  /** Joins a (created or running) container to it, at a fixed address when one is given. */
  async connect(container: string, endpoint: NetworkEndpoint = {}): Promise<void> {
    const ipam = endpoint.ipv4Address === undefined ? {} : { IPAMConfig: { IPv4Address: endpoint.ipv4Address } };
    const aliases = endpoint.aliases === undefined ? {} : { Aliases: endpoint.aliases };
    await this.network.connect({ Container: container, EndpointConfig: { ...ipam, ...aliases } });
  }

  /** Takes a container off it; `force` also when the container is not running. */
  async disconnect(container: string, options: { force: boolean }): Promise<void> {
    await this.network.disconnect({ Container: container, Force: options.force });
  }
}
