import type { NetworkRequest } from '../../shared/network-policy';
import { operatorName } from '../rebuild/approval';
import { noteTimeline } from '../timeline';

/**
 * Network requests on the bottles' timelines (issue 24 item 4): each held request once, when the
 * gateway first holds it, and the operator's answer to it. Connections a rule decides alone stay
 * in the network log (one a connection would flood the timeline).
 */
export class NetworkTimeline {
  /** Per bottle, the held request ids already recorded (only those still held are remembered). */
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly warn: (message: string) => void) {}

  /** The gateway's held list for the bottle changed: the requests new in it are recorded. */
  async held(identity: string, requests: readonly NetworkRequest[]): Promise<void> {
    const before = this.seen.get(identity) ?? new Set<string>();
    this.seen.set(identity, new Set(requests.map((request) => request.id)));
    for (const request of requests) {
      if (before.has(request.id)) continue;
      await noteTimeline(
        identity,
        { at: request.at, kind: 'request', by: 'agent', request: { type: 'network', id: request.id }, host: hostText(request) },
        this.warn,
      );
    }
  }

  /** The operator answered held requests (an answer, or a rule that matched them). */
  async answered(identity: string, requests: readonly NetworkRequest[], allowed: boolean, reason?: string): Promise<void> {
    for (const request of requests)
      await noteTimeline(
        identity,
        {
          kind: 'decision',
          by: operatorName(),
          request: { type: 'network', id: request.id },
          decision: allowed ? 'allowed' : 'denied',
          host: hostText(request),
          reason,
        },
        this.warn,
      );
  }

  forget(identity: string): void {
    this.seen.delete(identity);
  }
}

function hostText(request: NetworkRequest): string {
  return `${request.host}:${request.port}`;
}
