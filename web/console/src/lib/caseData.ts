// A case as GET /api/v1/cases/{n} and the action answer serve it, and what the case view reads of
// it: the full case (location, routing, clocks, media), its events with their data and hashes, and
// the actions the hub will accept from the caller. Also the readers that let a row of the live
// store and a full case from the case list be treated alike (the list's cases carry the point and
// the address inside `location`, the clocks instead of a deadline).

import type { CaseRow, Contact, Decision, ExtensionRequest, Limit, Point } from './types'

export type { Decision, Limit } from './types'

export interface Clock {
  limit: Limit
  started_at: string
  deadline: string
  warn_at?: string
  warned?: boolean
  overdue?: boolean
  stopped_at?: string
  suspended_at?: string
  history?: string[]
  extended?: number
}

export interface FullCase extends Omit<CaseRow, 'point' | 'extension'> {
  point?: Point
  text?: string
  location?: { point?: Point; original?: Point; datum?: string; address?: string }
  routing?: {
    outcome?: string
    unit?: string
    jurisdiction?: string
    jurisdiction_name?: string
    authority?: string
    cell?: string
    rule?: string
    explanation?: string
  }
  clocks?: Partial<Record<'registration' | 'acknowledge' | 'handling' | 'checking', Clock>>
  reporter?: Contact
  media?: string[]
  returns?: Record<string, number>
  rework_count?: number
  owners?: string[]
  urgent?: boolean
  extension?: ExtensionRequest | null
  legal_review?: { reviewer: string; at: string; approved: boolean; decision: Decision; opinion?: string }
  satisfaction?: string
  /** the shift leader's review after a 不满意 answer: pending, upheld or reopened */
  review?: string
  closed_at?: string
  last_hash?: string
  publication?: string
  reporter_private?: boolean
}

/** HubEvent is an event as the JSON API serves it (web/events.go). */
export interface HubEvent {
  id: number
  case_id?: number
  seq?: number
  type?: string
  action: string
  actor: { login: string; name?: string; role: string; unit: string }
  at: string
  from?: string
  to?: string
  owner?: string
  reason?: string
  data?: Record<string, unknown> | null
  prev_hash?: string
  hash?: string
}

/** CaseAnswer is GET /api/v1/cases/{n} and the answer of an action. */
export interface CaseAnswer {
  case: FullCase
  events: HubEvent[]
  actions: string[]
}

type RowLike = CaseRow | FullCase

/** rowPoint is a row's point, or the full case's. */
export function rowPoint(r: RowLike): Point | undefined {
  return r.point || (r as FullCase).location?.point
}

export function rowAddress(r: RowLike): string {
  return r.address || (r as FullCase).location?.address || ''
}

export function rowJurisdiction(r: RowLike): string {
  return r.jurisdiction || (r as FullCase).routing?.jurisdiction || ''
}

// runningClocks are the clocks of a full case that still count.
function runningClocks(r: RowLike): Clock[] {
  const cs = (r as FullCase).clocks
  if (!cs) return []
  return Object.values(cs).filter((k): k is Clock => !!k && !k.stopped_at)
}

/** rowDeadline is the row's deadline: the handling clock's while it runs, else the nearest one. */
export function rowDeadline(r: RowLike): string | undefined {
  if (r.deadline) return r.deadline
  const cs = (r as FullCase).clocks
  if (cs?.handling && !cs.handling.stopped_at) return cs.handling.deadline
  let best: string | undefined
  for (const k of runningClocks(r)) if (!best || Date.parse(k.deadline) < Date.parse(best)) best = k.deadline
  return best
}

export function rowOverdue(r: RowLike): boolean {
  if (r.overdue !== undefined) return !!r.overdue
  return runningClocks(r).some((k) => k.overdue)
}

/** rowWarning: a clock still counting has passed its warning mark and none is overdue. */
export function rowWarning(r: RowLike): boolean {
  if (r.warning !== undefined) return !!r.warning && !rowOverdue(r)
  return !rowOverdue(r) && runningClocks(r).some((k) => k.warned && !k.suspended_at)
}

const hashPattern = /^[0-9a-f]{64}$/

export const isMediaHash = (x: unknown): x is string => typeof x === 'string' && hashPattern.test(x)

/** eventMedia are the attachments an event recorded: data.media and data.evidence[].sha256. */
export function eventMedia(data: unknown): string[] {
  if (!data || typeof data !== 'object') return []
  const d = data as { media?: unknown; evidence?: unknown }
  const out: string[] = []
  const add = (x: unknown) => {
    if (isMediaHash(x) && !out.includes(x)) out.push(x)
  }
  if (Array.isArray(d.media)) d.media.forEach(add)
  if (Array.isArray(d.evidence)) for (const e of d.evidence) add((e as { sha256?: unknown })?.sha256)
  return out
}

/** caseMedia is every attachment of a case, the case's own first, then each event's, once each. */
export function caseMedia(c: FullCase, events: HubEvent[]): string[] {
  const out: string[] = []
  for (const m of c.media || []) if (isMediaHash(m) && !out.includes(m)) out.push(m)
  for (const ev of events) for (const m of eventMedia(ev.data)) if (!out.includes(m)) out.push(m)
  return out
}

/** caseLinks are the media of a case that are links (Open311 media_url), not uploaded files. */
export function caseLinks(c: FullCase): string[] {
  return (c.media || []).filter((m) => /^https?:\/\//.test(m))
}

/** mergeEvents adds the events of an action's answer to those held, once each, by seq. */
export function mergeEvents(held: HubEvent[], incoming: HubEvent[]): HubEvent[] {
  const byId = new Map<number, HubEvent>()
  for (const e of held) byId.set(e.id, e)
  for (const e of incoming) byId.set(e.id, e)
  return [...byId.values()].sort((a, b) => (a.seq ?? a.id) - (b.seq ?? b.id))
}

const beijingFull = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
})

/** fullTime is "2026/12/04 09:30:05" in Beijing time. */
export function fullTime(iso: string | undefined): string {
  if (!iso) return ''
  const t = Date.parse(iso)
  return Number.isNaN(t) ? '' : beijingFull.format(t)
}

export const limitUnitNames: Record<string, string> = {
  work_hour: '工作小时', work_day: '工作日', natural_hour: '小时', natural_minute: '分钟',
}

export const limitText = (l: Limit | undefined) => (l ? `${l.value} ${limitUnitNames[l.unit] || l.unit}` : '')

export const satisfactionNames: Record<string, string> = {
  satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意',
}
