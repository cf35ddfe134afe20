/** Durations in a policy (`30d`, `12h`, `2w`), in milliseconds. */
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export function formatDuration(ms: number): string {
  const days = ms / 86400e3;
  if (Math.abs(days) >= 1) return `${days.toFixed(1)}d`;
  return `${(ms / 3600e3).toFixed(1)}h`;
}
