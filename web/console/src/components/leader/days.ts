// Days as the hub counts them: calendar days in Beijing time, written YYYY-MM-DD.
import type { Period } from '../../lib/measures'

/** beijingDay is the day of an instant in Beijing (UTC+8, no daylight saving). */
export function beijingDay(ms: number): string {
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 10)
}

/** addDays moves a YYYY-MM-DD day by n days. */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86400e3
  return new Date(t).toISOString().slice(0, 10)
}

/** trendRange widens a period of a month or less (today, this week, this month, a short range) to
 * the thirty days ending with it; null keeps the period as it is. */
export function trendRange(p: Period, today: string): { from: string; to: string } | null {
  if (p.name === 'today' || p.name === 'week' || p.name === 'month') return { from: addDays(today, -29), to: today }
  if (p.name === 'range' && p.from && p.to && addDays(p.from, 29) > p.to) return { from: addDays(p.to, -29), to: p.to }
  return null
}
