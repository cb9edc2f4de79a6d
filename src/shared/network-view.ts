/**
 * A bottle's connection log as the core writes it (issue 19): the gateway's own `connection`
 * records (src/gateway/control-protocol.ts), kept as the gateway said them, one JSON line each.
 * (Held requests and the operator's answers are NetworkRequest and NetworkAnswer in network-policy.ts.)
 */

/**
 * One line of a bottle's connection log (network-log.jsonl): a connection that ended or was refused,
 * or (`lost`) a note that the gateway dropped records of this bottle while no app or serve recorded
 * them (its backlog was full): `reason` says how many.
 */
export interface NetworkLogEntry {
  time: string;
  event: 'end' | 'refused' | 'lost';
  host: string;
  port: number;
  protocol: 'http' | 'connect';
  decision: 'allow' | 'deny';
  /** Who decided: a rule, the bottle's mode, the operator, the hold's timeout, a limit, the address check, the client. */
  by: string;
  /** One line: why it was refused, or the rule that allowed it. */
  reason: string | null;
  bytesUp: number;
  bytesDown: number;
}

/** The most log lines one `network:log` call returns. */
export const MAX_NETWORK_LOG_LINES = 5000;

/** What the Network tab reads first (`network:log`): the newest records, and whether the gateway is on to add more. */
export interface NetworkLogView {
  entries: NetworkLogEntry[];
  /** settings.json `gatewayNetwork`: off, bottles have the engine's network and nothing is recorded. */
  gatewayOn: boolean;
}
