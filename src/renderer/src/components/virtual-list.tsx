import { useCallback, useEffect, useEffectEvent, useLayoutEffect, useRef, useState, type JSX, type ReactNode } from 'react';
import { indexAt, scrollToReveal, visibleRange, type ItemRange } from '../lib/windowing';

/** Lists this short render whole (find-in-page works, nothing to window); longer ones render what shows. */
export const RENDER_ALL_UP_TO = 60;
const OVERSCAN = 6;

export interface VirtualListProps {
  offsets: Float64Array;
  renderItem: (index: number) => ReactNode;
  keyOf: (index: number) => string;
  /** Told the items on screen now (overscan left out), e.g. to watch their stats. */
  onVisible?: (range: ItemRange) => void;
  /** Scrolled into view whenever it changes. */
  revealIndex?: number | null;
  /** Pixels of the window covered at its top and bottom (sticky headers, docked panels), for revealing. */
  obstructions?: () => { top: number; bottom: number };
  className?: string;
  testId?: string;
}

function viewportOver(element: HTMLElement): { top: number; height: number } {
  const rect = element.getBoundingClientRect();
  return { top: -rect.top, height: window.innerHeight };
}

/**
 * A list over the page's own scroll that renders only the items in view: each item sits at its
 * precomputed offset, so 5,000 bottles render as many elements as 50.
 */
export function VirtualList({
  offsets,
  renderItem,
  keyOf,
  onVisible,
  revealIndex = null,
  obstructions,
  className,
  testId,
}: VirtualListProps): JSX.Element {
  const count = offsets.length - 1;
  const windowed = count > RENDER_ALL_UP_TO;
  const containerRef = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState<ItemRange>(() =>
    windowed ? visibleRange(offsets, 0, window.innerHeight, OVERSCAN) : { start: 0, end: count },
  );

  const measure = useCallback((): void => {
    const element = containerRef.current;
    if (element === null) return;
    const { top, height } = viewportOver(element);
    const next = windowed ? visibleRange(offsets, top, height, OVERSCAN) : { start: 0, end: count };
    setRange((current) => (current.start === next.start && current.end === next.end ? current : next));
    if (onVisible !== undefined && count > 0) {
      const first = indexAt(offsets, Math.max(0, top));
      const last = indexAt(offsets, Math.max(0, top + height - 1));
      onVisible(top + height <= 0 || top >= (offsets[count] as number) ? { start: 0, end: 0 } : { start: first, end: last + 1 });
    }
  }, [offsets, windowed, count, onVisible]);

  useLayoutEffect(measure, [measure]);

  useEffect(() => {
    let frame = 0;
    const onScroll = (): void => {
      if (frame !== 0) return;
      frame = window.requestAnimationFrame(() => {
        frame = 0;
        measure();
      });
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('resize', onScroll);
    return () => {
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('resize', onScroll);
      if (frame !== 0) window.cancelAnimationFrame(frame);
    };
  }, [measure]);

  // Reads the latest offsets and obstructions, but only a new index to reveal scrolls: a list
  // that grows must not yank the page back.
  const reveal = useEffectEvent((index: number): void => {
    const element = containerRef.current;
    if (element === null) return;
    const { top, height } = viewportOver(element);
    const covered = obstructions?.() ?? { top: 0, bottom: 0 };
    const target = scrollToReveal(offsets, index, top, height - covered.bottom, covered.top);
    if (target !== null) window.scrollBy({ top: target - top });
  });
  useEffect(() => {
    if (revealIndex !== null) reveal(revealIndex);
  }, [revealIndex]);

  const items: JSX.Element[] = [];
  for (let index = range.start; index < Math.min(range.end, count); index += 1) {
    const top = offsets[index] as number;
    const height = (offsets[index + 1] as number) - top;
    items.push(
      <div key={keyOf(index)} className="virtual-item" style={{ transform: `translateY(${top}px)`, height }}>
        {renderItem(index)}
      </div>,
    );
  }
  return (
    <div
      ref={containerRef}
      className={`virtual-list ${className ?? ''}`}
      style={{ height: offsets[count] }}
      data-testid={testId}
      data-count={count}
    >
      {items}
    </div>
  );
}
