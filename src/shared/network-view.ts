/**
 * A bottle's connection log as the core writes it (issue 19): the gateway's own `connection`
 * records (src/gateway/control-protocol.ts), kept as the gateway said them, one JSON line each.
 * (Held requests and the operator's answers are NetworkRequest and NetworkAnswer in network-policy.ts.)
 */

/** How a connection reached the gateway: a plain-HTTP proxy request, or a CONNECT tunnel (TLS or any TCP). */
export type ConnectionProtocol = 'http' | 'connect';

/**
 * Who decided a connection: a rule, the bottle's mode, the operator, the hold's timeout, a limit, a
 * check (the shared policy's guard on hostile or restricted destinations, the address check, a
 * malformed request), or the client (it hung up while held).
 */
export const CONNECTION_DECIDERS = ['rule', 'mode', 'operator', 'timeout', 'limit', 'check', 'client'] as const;
export type ConnectionDecider = (typeof CONNECTION_DECIDERS)[number];

/** What every record of one connection says, the gateway's on its control stream and the log's line alike. */
export interface ConnectionFacts {
  time: string;
  host: string;
  port: number;
  protocol: ConnectionProtocol;
  decision: 'allow' | 'deny';
  by: ConnectionDecider;
  /** One line: why it was refused, or the rule that allowed it. */
  reason: string | null;
}

/**
 * One line of a bottle's connection log (network-log.jsonl): a connection that ended or was refused,
 * or (`lost`) a note that the gateway dropped records of this bottle while no app or serve recorded
 * them (its backlog was full): `reason` says how many.
 */
export interface NetworkLogEntry extends ConnectionFacts {
  event: 'end' | 'refused' | 'lost';
  bytesUp: number;
  bytesDown: number;
  /** The gateway ended this connection's TLS and signed its requests with a stored credential (issue 20). */
  signed?: boolean;
}

/** The most log lines one `network:log` call returns. */
export const MAX_NETWORK_LOG_LINES = 5000;

/** What the Network tab reads first (`network:log`): the newest records, and whether the gateway is on to add more. */
export interface NetworkLogView {
  entries: NetworkLogEntry[];
  /** settings.json `gatewayNetwork`: off, bottles have the engine's network and nothing is recorded. */
  gatewayOn: boolean;
}
