import type { TimelineEvent } from '../../shared/timeline';

/** The whole timeline as JSON Lines, one event a line, oldest first (the export, the app's download). */
export function timelineJsonLines(events: readonly TimelineEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** The OCSF schema version the mapping below follows. */
export const OCSF_VERSION = '1.5.0';
/** OCSF API Activity (category 6, Application Activity). */
const API_ACTIVITY = 6003;
/** activity_id 99: Other (a decision is none of Create/Read/Update/Delete); activity_name says which. */
const ACTIVITY_OTHER = 99;
const ALLOWING = new Set(['approved', 'allowed']);
const SEVERITY_INFORMATIONAL = 1;

/**
 * The request decisions as OCSF API Activity events (class 6003), one JSON line each: the bottle is
 * the source endpoint (its agent asked), the decider the actor, the request the API call
 * (`api.operation` is e.g. `dockerfile.approved`, `api.request.uid` its id), and the outcome in
 * `status_id` (1 Success: approved/allowed; 2 Failure: anything else) with the decision word in
 * `status`. Only decision events are mapped: the rest of the timeline has no honest OCSF class here.
 */
export function timelineOcsf(identity: string, events: readonly TimelineEvent[], version: string): string {
  return events
    .filter((event) => event.kind === 'decision' && event.request !== undefined && event.decision !== undefined)
    .map((event) => `${JSON.stringify(ocsfEvent(identity, event, version))}\n`)
    .join('');
}

/** "host:port" as an OCSF network endpoint. */
function endpoint(host: string): { hostname: string; port?: number } {
  const colon = host.lastIndexOf(':');
  const port = Number(host.slice(colon + 1));
  return colon > 0 && Number.isInteger(port) ? { hostname: host.slice(0, colon), port } : { hostname: host };
}

function ocsfEvent(identity: string, event: TimelineEvent, version: string): Record<string, unknown> {
  const decision = event.decision ?? 'unknown';
  const type = event.request?.type ?? 'unknown';
  const allowed = ALLOWING.has(decision);
  return {
    class_uid: API_ACTIVITY,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: ACTIVITY_OTHER,
    activity_name: 'Decide',
    type_uid: API_ACTIVITY * 100 + ACTIVITY_OTHER,
    type_name: 'API Activity: Other',
    severity_id: SEVERITY_INFORMATIONAL,
    time: Date.parse(event.at),
    status_id: allowed ? 1 : 2,
    status: decision,
    message: [type, event.request?.id, decision, event.host, event.reason].filter((part) => part !== undefined).join(' '),
    metadata: { version: OCSF_VERSION, product: { name: 'claude-bottle', vendor_name: 'claude-bottle', version } },
    actor: { user: { name: event.by } },
    api: { operation: `${type}.${decision}`, request: { uid: event.request?.id ?? '' }, service: { name: 'claude-bottle' } },
    src_endpoint: { name: identity },
    ...(event.host === undefined ? {} : { dst_endpoint: endpoint(event.host) }),
    resources: [{ type: `${type} request`, uid: event.request?.id ?? '' }],
  };
}
