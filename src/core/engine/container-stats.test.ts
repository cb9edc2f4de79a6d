import { describe, expect, it } from 'vitest';
import { cpuCounters, cpuPercent, memoryInUse, memoryLimit } from './container-stats';

describe('container stats as docker stats shows them', () => {
  it('computes CPU between two readings in percent of one core', () => {
    const before = cpuCounters({ cpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 100_000, online_cpus: 4 } });
    const after = cpuCounters({ cpu_stats: { cpu_usage: { total_usage: 6_000 }, system_cpu_usage: 110_000, online_cpus: 4 } });
    expect(before).not.toBeNull();
    expect(cpuPercent(before!, after!)).toBeCloseTo(200);
    expect(cpuPercent(after!, before!)).toBeNull();
    expect(cpuCounters({})).toBeNull();
    expect(cpuCounters({ cpu_stats: { cpu_usage: { total_usage: 1, percpu_usage: [1, 0] }, system_cpu_usage: 2 } })?.onlineCpus).toBe(2);
  });

  it('leaves the page cache out of memory in use, cgroup v1 and v2', () => {
    expect(memoryInUse({ memory_stats: { usage: 100, stats: { total_inactive_file: 30 } } })).toBe(70);
    expect(memoryInUse({ memory_stats: { usage: 100, stats: { inactive_file: 40 } } })).toBe(60);
    expect(memoryInUse({ memory_stats: { usage: 100, stats: { inactive_file: 400 } } })).toBe(100);
    expect(memoryInUse({})).toBe(0);
    expect(memoryLimit({ memory_stats: { limit: 8 } })).toBe(8);
    expect(memoryLimit({ memory_stats: { limit: 0 } })).toBeNull();
  });
});
