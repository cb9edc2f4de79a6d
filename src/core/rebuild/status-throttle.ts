import { MAX_REPORTS_PER_SECOND } from '../../shared/agent-reports';
import { settled } from '../base/settled';
import { hasStatusFile, readStatusFileNow } from './agent-status';

/** The least time between two reads of one bottle's status file. */
export const STATUS_READ_INTERVAL_MS = Math.ceil(1000 / MAX_REPORTS_PER_SECOND);

/*
 * An agent may replace its status file fifty times a second; every replacement is a file event. Per
 * bottle, reads start at least STATUS_READ_INTERVAL_MS apart, whatever the number of triggers: a
 * trigger too soon after the last read joins the one read scheduled for when the interval ends (a
 * trailing read), which starts after that trigger and so reads whatever the file holds by then: the
 * latest report wins and the final one is never dropped. Module level, as the inbox scans' slots:
 * the rule is the process's; a gate is dropped once idle for an interval.
 */
interface Gate {
  /** When the last read started. */
  lastStart: number;
  running: Promise<boolean> | null;
  trailing: Promise<boolean> | null;
}

const gates = new Map<string, Gate>();

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function start(identity: string, gate: Gate): Promise<boolean> {
  gate.lastStart = Date.now();
  const running = readStatusFileNow(identity).finally(() => {
    if (gate.running === running) gate.running = null;
    forgetWhenIdle(identity, gate);
  });
  gate.running = running;
  return running;
}

function forgetWhenIdle(identity: string, gate: Gate): void {
  const timer = setTimeout(() => {
    if (
      gates.get(identity) === gate &&
      gate.running === null &&
      gate.trailing === null &&
      Date.now() - gate.lastStart >= STATUS_READ_INTERVAL_MS
    )
      gates.delete(identity);
  }, STATUS_READ_INTERVAL_MS);
  timer.unref();
}

/**
 * Takes the bottle's latest status report in, at most MAX_REPORTS_PER_SECOND times a second.
 * Resolves (with whether the view changed) once a read that started after this call has finished.
 */
export function ingestAgentStatus(identity: string): Promise<boolean> {
  let gate = gates.get(identity);
  // Most bottles never report: no gate, timer or read for them.
  if (gate === undefined && !hasStatusFile(identity)) return Promise.resolve(false);
  if (gate === undefined) {
    gate = { lastStart: 0, running: null, trailing: null };
    gates.set(identity, gate);
  }
  if (gate.trailing !== null) return gate.trailing;
  const wait = gate.lastStart + STATUS_READ_INTERVAL_MS - Date.now();
  if (gate.running === null && wait <= 0) return start(identity, gate);
  const current = gate;
  const previous = gate.running;
  const trailing: Promise<boolean> = (async () => {
    // Never two reads at once, and never sooner than the interval after the last one started.
    if (previous !== null) await settled(previous);
    const left = current.lastStart + STATUS_READ_INTERVAL_MS - Date.now();
    if (left > 0) await delay(left);
    current.trailing = null;
    return start(identity, current);
  })();
  gate.trailing = trailing;
  return trailing;
}
