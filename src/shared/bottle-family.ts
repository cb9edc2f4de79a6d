/**
 * A bottle's family (issue 24): which bottle it was forked from, how many were forked from it, and
 * which bottles its Changes view may compare it with. Pure: the renderer asks these rules instead
 * of re-deriving them.
 */
import type { BottleView } from './bottle-view';

/** How many bottles name `identity` as their parent. */
export function forkCount(identity: string, bottles: Iterable<BottleView>): number {
  let count = 0;
  for (const bottle of bottles) if (bottle.forkedFrom?.parent === identity) count += 1;
  return count;
}

/** The bottle's own word for another: its name when it has one, else its identity. */
export function bottleLabel(identity: string, view: BottleView | undefined): string {
  return view?.name ?? identity;
}

/** Where a bottle stands to another of the same project folder, for the picker. */
export function relationOf(here: BottleView, there: BottleView): 'parent' | 'child' | 'sibling' | 'same folder' {
  if (here.forkedFrom?.parent === there.identity) return 'parent';
  if (there.forkedFrom?.parent === here.identity) return 'child';
  if (here.forkedFrom !== null && here.forkedFrom.parent === there.forkedFrom?.parent) return 'sibling';
  return 'same folder';
}

const RELATION_ORDER = { parent: 0, child: 1, sibling: 2, 'same folder': 3 } as const;

/**
 * The bottles "Compare with…" offers: every other copy-mode bottle of the same project folder,
 * the family first (parent, children, siblings), then the rest; none for a mount-mode bottle.
 */
export function compareCandidates(
  here: BottleView,
  bottles: Iterable<BottleView>,
): { view: BottleView; relation: ReturnType<typeof relationOf> }[] {
  if (here.copyCwd !== true || here.cwd === null) return [];
  const out: { view: BottleView; relation: ReturnType<typeof relationOf> }[] = [];
  for (const view of bottles) {
    if (view.identity === here.identity || view.copyCwd !== true || view.cwd !== here.cwd) continue;
    out.push({ view, relation: relationOf(here, view) });
  }
  return out.sort((a, b) => RELATION_ORDER[a.relation] - RELATION_ORDER[b.relation] || (a.view.identity < b.view.identity ? -1 : 1));
}
