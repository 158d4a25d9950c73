// The measures as the leaders' pages read them (GET /api/v1/measures and its siblings), their
// names, and the periods a leader picks. The definitions are the hub's (dispatcher/measures.go).

export interface MeasureRow {
  key: string
  name?: string
  counts: Record<string, number>
  rates: Record<string, number | null>
}

export interface MeasureReport {
  dim: string
  from: string
  to: string
  rows: MeasureRow[]
  previous?: { from: string; to: string; rows: MeasureRow[] }
  last_event_id?: number
  /** the hotline's calls of the period (answered, abandoned, average handling time) */
  calls?: { calls: number; answered: number; abandoned: number; seconds: number; average_seconds: number }
}

export interface SeriesPoint {
  period: string
  key: string
  name?: string
  counts: Record<string, number>
}

export interface Campaign {
  id?: string
  name: string
  from: string
  to: string
  categories?: string[]
}

export interface SeriesReport {
  dim: string
  interval: 'day' | 'month'
  from: string
  to: string
  measures: string[]
  points: SeriesPoint[]
  campaigns?: Campaign[]
}

export interface UnitAccountability {
  unit: string
  name?: string
  dispatched: number
  returns: number
  return_rate: number | null
  reworks: number
  extensions: number
  overdue_open: number
  acknowledged: number
  ack_avg_seconds: number | null
  resolved: number
  handle_avg_seconds: number | null
  checked: number
  check_avg_seconds: number | null
  reasons: { reason: string; count: number }[]
}

export interface Ruling {
  returned_by: string
  returned_by_name?: string
  ruled_to: string
  ruled_to_name?: string
  count: number
}

export interface AccountabilityReport {
  from: string
  to: string
  units: UnitAccountability[]
  rulings: Ruling[]
}

export interface HotspotCell {
  cell: string
  count: number
  center: [number, number]
  boundary: [number, number][]
  /** the street or town the cell's centre lies in */
  place?: string
}

export interface HotspotReport {
  res: number
  from: string
  to: string
  category?: string
  max: number
  cells: HotspotCell[]
}

/** Period is what the leader picked: a named period or a range of days. */
export type PeriodName = 'today' | 'week' | 'month' | 'year' | 'range'
export interface Period {
  name: PeriodName
  from?: string
  to?: string
}

export const periodNames: Record<PeriodName, string> = {
  today: '今日', week: '本周', month: '本月', year: '本年', range: '自定义',
}

export const dimNames: Record<string, string> = {
  all: '全区', unit: '单位', jurisdiction: '街镇', category: '类别', channel: '渠道',
}

/** The columns of the measures table: counts, then rates (shown in percent). */
export const countMeasures: { key: string; label: string }[] = [
  { key: 'received', label: '受理' },
  { key: 'reports', label: '来件' },
  { key: 'registered', label: '立案' },
  { key: 'dispatched', label: '派遣' },
  { key: 'closed', label: '结案' },
  { key: 'returns', label: '回退' },
  { key: 'reworks', label: '返工' },
  { key: 'extensions', label: '延期' },
  { key: 'overdue_open', label: '超时未结' },
]

export const rateMeasures: { key: string; label: string; numerator: string }[] = [
  { key: 'closure_rate', label: '办结率', numerator: 'closed' },
  { key: 'on_time_closure', label: '按期结案率', numerator: 'closed_on_time' },
  { key: 'on_time_ack', label: '及时签收率', numerator: 'dispatched' },
  { key: 'return_rate', label: '回退率', numerator: 'returns' },
  { key: 'rework_rate', label: '返工率', numerator: 'reworks' },
  { key: 'extension_rate', label: '延期率', numerator: 'extensions' },
  { key: 'satisfaction', label: '满意率', numerator: 'satisfied' },
]

export const measureLabel = (key: string) =>
  countMeasures.find((m) => m.key === key)?.label || rateMeasures.find((m) => m.key === key)?.label || key

/** percent shows a rate as the contract wants it: percent with one decimal, or a dash. */
export const percent = (v: number | null | undefined) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1))

/** periodQuery is the query string of a period (period=... or from=&to=). */
export function periodQuery(p: Period): URLSearchParams {
  const q = new URLSearchParams()
  if (p.name === 'range' && p.from && p.to) {
    q.set('from', p.from)
    q.set('to', p.to)
  } else if (p.name !== 'range') {
    q.set('period', p.name)
  } else {
    q.set('period', 'month')
  }
  return q
}

/** withQuery joins a path and parameters. */
export function withQuery(path: string, q: URLSearchParams, extra: Record<string, string> = {}): string {
  const all = new URLSearchParams(q)
  for (const [k, v] of Object.entries(extra)) if (v !== '') all.set(k, v)
  return `${path}?${all.toString()}`
}

/** change describes a figure against last year's: "+12.0%" for counts, "+1.5 个百分点" for rates. */
export function change(now: number | null | undefined, before: number | null | undefined, rate: boolean): { text: string; up: boolean | null } {
  if (now === null || now === undefined || before === null || before === undefined) return { text: '去年同期无数据', up: null }
  if (rate) {
    const d = (now - before) * 100
    return { text: `${d >= 0 ? '+' : ''}${d.toFixed(1)} 个百分点`, up: d === 0 ? null : d > 0 }
  }
  if (before === 0) return { text: now === 0 ? '持平' : '去年同期为 0', up: now === 0 ? null : true }
  const d = ((now - before) / before) * 100
  return { text: `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`, up: d === 0 ? null : d > 0 }
}

/** duration shows an average number of seconds in the largest unit that reads well. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—'
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`
  if (seconds < 72 * 3600) return `${(seconds / 3600).toFixed(1)} 小时`
  return `${(seconds / 86400).toFixed(1)} 天`
}
