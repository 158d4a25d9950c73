// Which cases are a phone console's tasks, in what order, and what a card shows of them. Pure
// functions over the live store's rows, so that the rules are tested without a browser.

import type { CaseRow, Point } from '../types'

/** The states in which a unit owns a case (DOMAIN.md: owner is the unit). */
export const teamStates = ['dispatched', 'in_progress', 'suspended', 'resolved'] as const

/** isTeamTask: an open case the unit owns now. The hub sends a unit only its cases; this is the
 * second guard, and it also drops cases the unit owned once (returned, reassigned, closed). */
export function isTeamTask(row: CaseRow, unit: string): boolean {
  return !!unit && row.owner === unit && (teamStates as readonly string[]).includes(row.state)
}

/** isInspectorTask: a case waiting for this inspector: 核实 (verifying) or 核查 (checking). */
export function isInspectorTask(row: CaseRow, login: string): boolean {
  return !!login && row.inspector === login && (row.state === 'verifying' || row.state === 'checking')
}

// The order a member works through: new ones to acknowledge, then work in hand, then what waits on
// others (suspended, resolved awaiting the check).
const stateRank: Record<string, number> = { dispatched: 0, verifying: 0, checking: 0, in_progress: 1, suspended: 2, resolved: 3 }

const deadlineOf = (r: CaseRow) => (r.deadline ? new Date(r.deadline).getTime() : Number.POSITIVE_INFINITY)

/** byUrgency sorts tasks: by state group, then overdue first, then the nearest deadline, then number. */
export function byUrgency(a: CaseRow, b: CaseRow): number {
  return (stateRank[a.state] ?? 9) - (stateRank[b.state] ?? 9)
    || Number(!!b.overdue) - Number(!!a.overdue)
    || deadlineOf(a) - deadlineOf(b)
    || a.number.localeCompare(b.number)
}

export function teamTasks(rows: CaseRow[], unit: string): CaseRow[] {
  return rows.filter((r) => isTeamTask(r, unit)).sort(byUrgency)
}

export function inspectorTasks(rows: CaseRow[], login: string): CaseRow[] {
  return rows.filter((r) => isInspectorTask(r, login)).sort(byUrgency)
}

/** EventLike is what the alerts read of a stream event (StreamMessage.data). */
export interface EventLike {
  action?: string
  to?: string
  owner?: string
  detail?: unknown
}

/** isNewDispatch: the event hands the unit a task to acknowledge (a dispatch, a reassignment to it,
 * an arbitration, a rework) and the case is still waiting for it. The event, not the row, decides:
 * every event of one write carries the same row (a report dispatched at intake brings three
 * events), and only the dispatch among them rings. */
export function isNewDispatch(ev: EventLike | undefined, row: CaseRow | undefined, unit: string): boolean {
  return !!ev && ev.to === 'dispatched' && ev.owner === unit && !!row && isTeamTask(row, unit) && row.state === 'dispatched'
}

/** isNewInspection: the centre has just sent this inspector to verify or check the case. */
export function isNewInspection(ev: EventLike | undefined, row: CaseRow | undefined, login: string): boolean {
  const who = ev?.detail && typeof ev.detail === 'object' ? (ev.detail as { inspector?: string }).inspector : undefined
  return !!ev && (ev.action === 'verify' || ev.action === 'check') && who === login && !!row && isInspectorTask(row, login)
}

/** dueOf is the deadline the person works to, or nothing while the task waits on someone else: a
 * resolved task's running clock is the centre's check, a suspended one's clock is stopped. */
export function dueOf(row: { state: string; deadline?: string }): string | undefined {
  return waiting(row.state) ? undefined : row.deadline
}

const waiting = (state: string) => state === 'resolved' || state === 'suspended'

export type Tone = 'overdue' | 'warning' | ''

/** tone: red once the deadline has passed (or the hub marked it overdue), amber at the warning. */
export function tone(row: CaseRow, now: number): Tone {
  if (waiting(row.state)) return '' // not the person's clock now
  if (row.overdue || (row.deadline && new Date(row.deadline).getTime() <= now)) return 'overdue'
  if (row.warning) return 'warning'
  return ''
}

// A row from the case list (the live store's fallback) has the full case's shape: the address and
// point inside `location`.
type Located = { location?: { address?: string; point?: Point } }

export function rowAddress(row: CaseRow): string {
  return row.address || (row as CaseRow & Located).location?.address || ''
}

export function rowPoint(row: CaseRow): Point | undefined {
  return row.point || (row as CaseRow & Located).location?.point
}

/** counts says how many tasks are in each state, and how many are overdue. */
export function counts(rows: CaseRow[], now: number): Record<string, number> {
  const out: Record<string, number> = { overdue: 0 }
  for (const r of rows) {
    out[r.state] = (out[r.state] || 0) + 1
    if (tone(r, now) === 'overdue') out.overdue++
  }
  return out
}
