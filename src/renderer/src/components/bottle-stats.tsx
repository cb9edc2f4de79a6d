import { memo, type JSX } from 'react';
import { nearMemoryLimit } from '../../../shared/bottle-stats';
import { formatBytes } from '../../../shared/format-bytes';
import { formatPercent } from '../lib/format';
import { useStats } from '../stores/stats-store';
import { Sparkline } from './sparkline';

/**
 * A running bottle's CPU (with a sparkline of the last minutes) and memory, marked when it nears
 * its memory limit. Readings come only while some window shows the bottle.
 */
export const BottleStats = memo(function BottleStats({
  identity,
  layout,
}: {
  identity: string;
  layout: 'row' | 'card' | 'panel';
}): JSX.Element {
  const samples = useStats(identity);
  const last = samples[samples.length - 1];
  if (last === undefined) {
    return (
      <span
        className={`bottle-stats stats-${layout} is-waiting`}
        data-testid="bottle-stats"
        data-state="waiting"
        title="Reading CPU and memory…"
      >
        …
      </span>
    );
  }
  const cpu = last.cpuPercent;
  const near = nearMemoryLimit(last);
  const limit = last.memoryLimitBytes === null ? '' : ` of ${formatBytes(last.memoryLimitBytes)}`;
  const memoryTitle = `Memory ${formatBytes(last.memoryBytes)}${limit}${near ? ': near its limit, the kernel kills the agent at the limit' : ''}`;
  return (
    <span
      className={`bottle-stats stats-${layout} ${near ? 'is-near-limit' : ''}`}
      data-testid="bottle-stats"
      data-state="live"
      data-near-limit={near ? 'true' : undefined}
    >
      <span
        className="stats-cpu"
        title={`CPU ${cpu === null ? 'measuring' : formatPercent(cpu)} of one core; the line shows the last minutes`}
      >
        <Sparkline
          values={samples.map((sample) => sample.cpuPercent ?? 0)}
          floor={5}
          label="CPU over the last minutes"
          width={layout === 'panel' ? 96 : 56}
        />
        <span className="stats-value" data-testid="stats-cpu">
          {cpu === null ? '…' : formatPercent(cpu)}
        </span>
      </span>
      <span className="stats-memory" title={memoryTitle} data-testid="stats-memory">
        {near ? (
          <span className="near-limit-mark" aria-label="near its memory limit">
            ▲{' '}
          </span>
        ) : null}
        {formatBytes(last.memoryBytes)}
      </span>
    </span>
  );
});
