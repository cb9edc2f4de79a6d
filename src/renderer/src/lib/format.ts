/** "/home/me/src/project" → "…/src/project": the last two segments are what tells folders apart. */
export function shortPath(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  if (parts.length <= 2) return path;
  return `…/${parts.slice(-2).join('/')}`;
}

// One formatter each, shared by every card: building one per call is what costs with thousands.
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 30) return `${days} d ago`;
  return dateFormat.format(then);
}

export function exactTime(iso: string): string {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? iso : `${dateTimeFormat.format(then)} (${iso})`;
}

/** Container ids and image ids shown the way `docker ps` does. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** CPU in percent of one core, whole numbers from 10 up. */
export function formatPercent(percent: number): string {
  return `${percent >= 10 ? Math.round(percent) : percent.toFixed(1)}%`;
}

/** How long something has lasted, in the largest whole unit: "7 min", "2 h", "3 d" (under a minute: "1 min"). */
export function duration(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}
