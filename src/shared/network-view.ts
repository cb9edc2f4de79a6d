/**
 * What the views and the CLI show of a bottle's network (issue 19): the connections its gateway
 * holds for the operator, the operator's answers, and the bottle's connection log. Pure types.
 */

/** A connection the gateway holds until the operator answers (or its hold times out). */
export interface NetworkPendingView {
  /** The gateway's id of the request (`p-3`): further connections to the same place join it. */
  id: string;
  host: string;
  port: number;
  /** `http`: a plain-HTTP proxy request; `connect`: a tunnel (TLS or any TCP). */
  protocol: 'http' | 'connect';
  /** When the first connection was held (ISO 8601). */
  time: string;
}

/** The operator's answers: let the held connections through once, for this bottle, for its agent, or refuse them. */
export const NETWORK_ANSWERS = ['once', 'bottle', 'agent', 'deny'] as const;
export type NetworkAnswer = (typeof NETWORK_ANSWERS)[number];

/** One line of a bottle's connection log (network-log.jsonl): a connection that ended or was refused. */
export interface NetworkLogEntry {
  time: string;
  event: 'end' | 'refused';
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
