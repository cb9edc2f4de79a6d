/**
 * The math of a windowed list: items of known heights stacked from 0, and which of them a
 * viewport over that stack needs rendered. Pure, so a list of 5,000 renders what fits on screen.
 */

/** offsets[i] = top of item i; offsets[count] = the height of the whole stack. */
export function stackOffsets(count: number, heightOf: (index: number) => number): Float64Array {
  const offsets = new Float64Array(count + 1);
  for (let index = 0; index < count; index += 1) offsets[index + 1] = (offsets[index] as number) + heightOf(index);
  return offsets;
}

/** The index of the item at `y` (clamped to the stack): binary search over the offsets. */
export function indexAt(offsets: Float64Array, y: number): number {
  const count = offsets.length - 1;
  if (count <= 0) return 0;
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((offsets[middle] as number) <= y) low = middle;
    else high = middle - 1;
  }
  return low;
}

export interface ItemRange {
  /** First item to render. */
  start: number;
  /** One past the last item to render. */
  end: number;
}

/**
 * The items overlapping [top, top + height] of the stack, plus `overscan` on each side so a
 * scroll step shows rendered items before the next frame catches up.
 */
export function visibleRange(offsets: Float64Array, top: number, height: number, overscan: number): ItemRange {
  const count = offsets.length - 1;
  if (count <= 0) return { start: 0, end: 0 };
  const total = offsets[count] as number;
  if (top + height <= 0 || top >= total) {
    // Scrolled away from the list: render a small edge so it is there when it comes back.
    const edge = top >= total ? count : 0;
    return { start: Math.max(0, edge - overscan), end: Math.min(count, edge + overscan) };
  }
  const first = indexAt(offsets, Math.max(0, top));
  const last = indexAt(offsets, Math.max(0, top + height - 1));
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + 1 + overscan) };
}

/**
 * Where to scroll (the new top of the viewport over the stack) so item `index` is fully in view,
 * or null when it already is. `inset` keeps room for what covers the top of the viewport.
 */
export function scrollToReveal(offsets: Float64Array, index: number, top: number, height: number, inset = 0): number | null {
  const itemTop = offsets[index];
  const itemBottom = offsets[index + 1];
  if (itemTop === undefined || itemBottom === undefined) return null;
  if (itemTop < top + inset) return itemTop - inset;
  if (itemBottom > top + height) return itemBottom - height;
  return null;
}
