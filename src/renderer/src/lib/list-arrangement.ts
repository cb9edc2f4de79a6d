import { agentWaits } from '../../../shared/agent-status-line';
import { waitsForOperator } from '../../../shared/attention-state';
import type { BottleStatus, BottleView } from '../../../shared/bottle-view';
import { shortPath } from './format';

export type ListSort = 'age' | 'status' | 'project';

export type ListItem =
  { kind: 'group'; key: string; label: string; title: string; count: number; waiting: number } | { kind: 'bottle'; identity: string };

export interface Arrangement {
  items: ListItem[];
  /** The bottles in display order (group headers left out): what j/k walk and "select all" takes. */
  identities: string[];
}

/** Status order when sorting by status: what needs the operator first, broken things last. */
const STATUS_RANK: Record<BottleStatus, number> = {
  building: 2,
  starting: 2,
  running: 3,
  exited: 4,
  'ready-to-resume': 5,
  'missing-container': 6,
  orphan: 7,
  // Nothing can be done with it until its engine answers again.
  'engine-offline': 7,
  corrupt: 8,
};

/** Needs me first: a request to answer (the card's "pending"), then an agent waiting for its next word. */
function statusRank(view: BottleView): number {
  if (waitsForOperator(view)) return 0;
  if (agentWaits(view)) return 0.5;
  if (view.activity?.error != null) return 1;
  return STATUS_RANK[view.status];
}

const NO_FOLDER = '(no project folder)';

function projectKey(view: BottleView): string {
  return view.cwd === null || view.cwd === '' ? NO_FOLDER : view.cwd;
}

export function matchesFilter(view: BottleView | undefined, needle: string): boolean {
  if (view === undefined) return false;
  if (needle === '') return true;
  // The operator's name for a bottle (issue 21) finds it as its identity does.
  return [view.identity, view.name, view.agentName, view.cwd, view.status, view.image, view.containerId].some(
    (value) => value !== null && value.toLowerCase().includes(needle),
  );
}

/**
 * The list as shown: filtered, sorted (newest first, by status, or by project folder; newest first
 * within ties) and optionally grouped by project folder, each group in the order its first bottle
 * comes. `order` is newest first already, so sorts are stable over it.
 */
export function arrangeBottles(
  order: readonly string[],
  byIdentity: Readonly<Record<string, BottleView>>,
  options: { filter: string; sort: ListSort; group: boolean },
): Arrangement {
  const needle = options.filter.trim().toLowerCase();
  let identities = needle === '' ? [...order] : order.filter((identity) => matchesFilter(byIdentity[identity], needle));
  if (options.sort !== 'age') {
    const position = new Map(identities.map((identity, index) => [identity, index]));
    const key =
      options.sort === 'status'
        ? (identity: string) => statusRank(byIdentity[identity] as BottleView)
        : (identity: string) => projectKey(byIdentity[identity] as BottleView);
    const keys = new Map(identities.map((identity) => [identity, key(identity)]));
    identities.sort((a, b) => {
      const ka = keys.get(a) as string | number;
      const kb = keys.get(b) as string | number;
      if (ka !== kb) return ka < kb ? -1 : 1;
      return (position.get(a) as number) - (position.get(b) as number);
    });
  }
  if (!options.group) return { items: identities.map((identity) => ({ kind: 'bottle', identity })), identities };

  const groups = new Map<string, string[]>();
  for (const identity of identities) {
    const folder = projectKey(byIdentity[identity] as BottleView);
    const members = groups.get(folder);
    if (members === undefined) groups.set(folder, [identity]);
    else members.push(identity);
  }
  const items: ListItem[] = [];
  identities = [];
  for (const [folder, members] of groups) {
    const waiting = members.filter((identity) => {
      const bottle = byIdentity[identity];
      return bottle !== undefined && waitsForOperator(bottle);
    }).length;
    const label = folder === NO_FOLDER ? folder : shortPath(folder);
    items.push({ kind: 'group', key: folder, label, title: folder, count: members.length, waiting });
    for (const identity of members) items.push({ kind: 'bottle', identity });
    identities.push(...members);
  }
  return { items, identities };
}
