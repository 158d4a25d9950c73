// A task as GET /api/v1/cases/{n} serves it (the whole case, its events, the actions the hub will
// accept from the caller), and what the task view derives from it.

import type { Contact, Point } from '../types'
import { limitUnitNames, type Decision, type Limit } from './actions'

export interface Clock {
  limit: Limit
  started_at: string
  deadline: string
  stopped_at?: string
  suspended_at?: string
  extended?: number
  overdue?: boolean
}

export interface FullCase {
  id: number
  number: string
  state: string
  owner: string
  unit?: string
  channel: string
  nature: string
  category: string
  text?: string
  location: { point: Point; address?: string }
  reporter?: Contact
  media?: string[]
  clocks: { registration?: Clock; acknowledge?: Clock; handling?: Clock; checking?: Clock }
  return_count?: number
  rework_count?: number
  inspector?: string
  extension?: { requested_by: string; requested_at: string; limit: Limit; reason: string } | null
  legal_review?: { approved: boolean; decision: Decision; opinion?: string } | null
  created_at: string
  version: number
}

export interface TaskEvent {
  id: number
  action: string
  actor: { login: string; name?: string; role: string; unit: string }
  at: string
  from?: string
  to: string
  reason?: string
  data?: Record<string, unknown> | null
}

export interface TaskDetail {
  case: FullCase
  events: TaskEvent[]
  actions: string[]
}

/** deadlineOf is the deadline the team works to: the handling clock while it runs, else the
 * nearest running one (the hub's Case.Deadline). */
export function deadlineOf(c: FullCase): string | undefined {
  const h = c.clocks?.handling
  if (h && !h.stopped_at) return h.deadline
  let best: string | undefined
  for (const k of Object.values(c.clocks || {})) {
    if (k && !k.stopped_at && (!best || Date.parse(k.deadline) < Date.parse(best))) best = k.deadline
  }
  return best
}

/** eventText is what an event says in words: its reason, result, note or verdict. */
export function eventText(e: TaskEvent): string {
  const d = e.data || {}
  const parts: string[] = []
  if (e.reason) parts.push(e.reason)
  for (const k of ['result', 'text', 'reply'] as const) {
    const v = d[k]
    if (typeof v === 'string' && v && !parts.includes(v)) parts.push(v)
  }
  const lim = d.limit as Limit | undefined
  if (e.action === 'extend_request' && lim?.value) parts.unshift(`申请延期 ${lim.value} ${limitUnitNames[lim.unit] || lim.unit}`)
  return parts.join('；')
}
