/** The parts of the engine's stats answer we read (API ≥ 1.41, cgroup v1 or v2). */
export interface RawContainerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number | undefined> };
}

export interface CpuCounters {
  total: number;
  system: number;
  onlineCpus: number;
}

export function cpuCounters(raw: RawContainerStats): CpuCounters | null {
  const cpu = raw.cpu_stats;
  const total = cpu?.cpu_usage?.total_usage;
  const system = cpu?.system_cpu_usage;
  if (total === undefined || system === undefined) return null;
  const onlineCpus = cpu?.online_cpus ?? cpu?.cpu_usage?.percpu_usage?.length ?? 1;
  return { total, system, onlineCpus: onlineCpus > 0 ? onlineCpus : 1 };
}

/** CPU use between two readings, in percent of one core, the way `docker stats` computes it. */
export function cpuPercent(previous: CpuCounters, current: CpuCounters): number | null {
  const used = current.total - previous.total;
  const elapsed = current.system - previous.system;
  if (elapsed <= 0 || used < 0) return null;
  return (used / elapsed) * current.onlineCpus * 100;
}

/** Memory in use without the reclaimable page cache (cgroup v1 total_inactive_file, v2 inactive_file), as `docker stats` shows. */
export function memoryInUse(raw: RawContainerStats): number {
  const usage = raw.memory_stats?.usage ?? 0;
  const stats = raw.memory_stats?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file;
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

export function memoryLimit(raw: RawContainerStats): number | null {
  const limit = raw.memory_stats?.limit;
  return limit !== undefined && limit > 0 ? limit : null;
}
