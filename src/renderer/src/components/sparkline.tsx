import { memo, type JSX } from 'react';

/** A small line of the last readings (oldest left); the scale is 0 to at least `floor`, so idle stays flat. */
export const Sparkline = memo(function Sparkline({
  values,
  floor = 1,
  width = 64,
  height = 18,
  label,
}: {
  values: readonly number[];
  floor?: number;
  width?: number;
  height?: number;
  label: string;
}): JSX.Element {
  const top = Math.max(floor, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values
    .map((value, index) => `${(index * step).toFixed(1)},${(height - 1 - (value / top) * (height - 2)).toFixed(1)}`)
    .join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {values.length > 1 ? <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" /> : null}
    </svg>
  );
});
