// The dispatch desk's queues, computed from the live store's rows in one pass: which cases wait for
// the centre and for what. A case can be in a work queue (by its state and flags) and also in the
// warning or overdue queue (by its clocks). Pure functions, so that the rules are tested on tables
// of rows and the console stays fast with thousands of open cases: one pass to count, and only
// the queue on screen is sorted.

import type { CaseRow } from '../../lib/types'
import { rowAddress, rowDeadline, rowJurisdiction, rowOverdue, rowWarning } from '../../lib/caseData'

export type QueueKey =
  | 'verify' | 'dispatch' | 'returned' | 'arbitration' | 'requests'
  | 'warning' | 'overdue' | 'transferred' | 'check' | 'review' | 'all'

export interface QueueDef {
  key: QueueKey
  label: string
  /** what waits in it, for the menu's tooltip */
  hint: string
  tone?: 'danger' | 'warning'
}

/** QUEUES in the menu's order: the urgent marks first, then the centre's work in lifecycle order. */
export const QUEUES: QueueDef[] = [
  { key: 'overdue', label: '超时', hint: '已超过时限的在办案件', tone: 'danger' },
  { key: 'warning', label: '预警', hint: '已过时限 80% 的在办案件', tone: 'warning' },
  { key: 'verify', label: '待核实/待立案', hint: '已受理、核实中，等待立案或不予立案' },
  { key: 'dispatch', label: '待派遣', hint: '已立案，等待派遣' },
  { key: 'returned', label: '被回退', hint: '承办单位回退到指挥中心，等待重新派遣' },
  { key: 'arbitration', label: '待仲裁', hint: '两次回退，等待值班长仲裁' },
  { key: 'requests', label: '延期/挂起', hint: '待审批的延期申请、挂起申请和挂起中的案件' },
  { key: 'transferred', label: '移交待回复', hint: '已移交外部单位，等待对方答复' },
  { key: 'check', label: '待核查', hint: '已处置，等待派监督员核查或核查中' },
  // Finished cases, so not in the live store's open rows: the desk asks the hub for them.
  { key: 'review', label: '不满意待复核', hint: '回访不满意的已办结案件，等待值班长复核：维持办结或重办', tone: 'danger' },
  { key: 'all', label: '全部在办', hint: '所有在办案件' },
]

export const OPEN_STATES = new Set(['received', 'verifying', 'registered', 'dispatched', 'in_progress', 'suspended', 'resolved', 'checking', 'transferred'])

export type Queues = Record<QueueKey, CaseRow[]>

const emptyQueues = (): Queues => ({
  verify: [], dispatch: [], returned: [], arbitration: [], requests: [], warning: [], overdue: [], transferred: [], check: [], review: [], all: [],
})

/**
 * workQueue is the one work queue an open case waits in at the centre, or '' (with a unit). The
 * state decides first: a flag only counts in the state it belongs to (an arbitration is pending on
 * a registered case, an extension on one in progress), so a field a row kept from an older write
 * cannot hold a case in a queue it has left.
 */
export function workQueue(r: CaseRow): QueueKey | '' {
  if (r.state === 'suspended' || (r.state === 'in_progress' && (r.extension || r.suspension_pending))) return 'requests'
  switch (r.state) {
    case 'received':
    case 'verifying':
      return 'verify'
    case 'registered':
      if (r.arbitration === 'pending') return 'arbitration'
      return (r.return_count || 0) > 0 ? 'returned' : 'dispatch'
    case 'transferred':
      return 'transferred'
    case 'resolved':
    case 'checking':
      return 'check'
  }
  return ''
}

/** queuesOf lists every queue a row belongs in (none when the case is finished). */
export function queuesOf(r: CaseRow): QueueKey[] {
  return keysOf(r).queues
}

// What the queues and their order read of a row, worked out once per row: the live store replaces
// a row with a new object when its case changes, so an event costs the parsing of one row, not of
// every row again. A WeakMap lets replaced rows go.
interface RowKeys {
  r: CaseRow
  queues: QueueKey[]
  late: number // 0 overdue, 1 not
  due: number // the deadline, far in the future when there is none
  made: number // when the report came in
  changed: number // the row's last change
}

const keyCache = new WeakMap<CaseRow, RowKeys>()

const ms = (iso: string | undefined, none: number) => {
  const t = iso ? Date.parse(iso) : NaN
  return Number.isNaN(t) ? none : t
}

function keysOf(r: CaseRow): RowKeys {
  let k = keyCache.get(r)
  if (k) return k
  const queues: QueueKey[] = []
  const late = rowOverdue(r)
  if (OPEN_STATES.has(r.state)) {
    const w = workQueue(r)
    if (w) queues.push(w)
    if (late) queues.push('overdue')
    else if (rowWarning(r)) queues.push('warning')
    queues.push('all')
  }
  k = { r, queues, late: late ? 0 : 1, due: ms(rowDeadline(r), Number.MAX_SAFE_INTEGER), made: ms(r.created_at, 0),
    changed: ms(r.updated_at || r.created_at, 0) }
  keyCache.set(r, k)
  return k
}

/** classify puts each row in its queues, in one pass; the lists are not sorted. */
export function classify(rows: Iterable<CaseRow>): Queues {
  const q = emptyQueues()
  for (const r of rows) for (const k of keysOf(r).queues) q[k].push(r)
  return q
}

/** byUrgency sorts a queue: overdue first, then the nearest deadline, then the oldest report. */
export function byUrgency(rows: CaseRow[]): CaseRow[] {
  const keyed = rows.map(keysOf)
  keyed.sort((a, b) => a.late - b.late || a.due - b.due || a.made - b.made || (a.r.number < b.r.number ? -1 : a.r.number > b.r.number ? 1 : 0))
  return keyed.map((k) => k.r)
}

/** latest are the n rows changed most recently, newest first (the live feed), in one pass. */
export function latest(rows: Iterable<CaseRow>, n: number): CaseRow[] {
  const top: RowKeys[] = []
  for (const r of rows) {
    const k = keysOf(r)
    if (top.length === n && k.changed <= top[n - 1].changed) continue
    let i = top.length
    while (i > 0 && top[i - 1].changed < k.changed) i--
    top.splice(i, 0, k)
    if (top.length > n) top.pop()
  }
  return top.map((x) => x.r)
}

/** sameRows: the two lists hold the same rows in the same order (a view need not change). */
export function sameRows(a: readonly CaseRow[], b: readonly CaseRow[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export interface Filter {
  /** part of the case number */
  number: string
  /** words of the place: address, jurisdiction name, description */
  place: string
  category: string
  unit: string
  jurisdiction: string
}

export const emptyFilter = (): Filter => ({ number: '', place: '', category: '', unit: '', jurisdiction: '' })

export const filterActive = (f: Filter) => !!(f.number.trim() || f.place.trim() || f.category || f.unit || f.jurisdiction)

/**
 * matcher answers the test of a filter. jurisdictionName turns a code into its name, so that
 * typing 古南 finds the cases of 古南街道 as well as those whose address says it.
 */
export function matcher(f: Filter, jurisdictionName: (code: string) => string = () => ''): (r: CaseRow) => boolean {
  const number = f.number.trim().toUpperCase()
  const words = f.place.trim().toLowerCase().split(/\s+/).filter(Boolean)
  return (r) => {
    if (number && !r.number.toUpperCase().includes(number)) return false
    if (f.category && r.category !== f.category) return false
    if (f.unit && r.unit !== f.unit && r.owner !== f.unit) return false
    const j = rowJurisdiction(r)
    if (f.jurisdiction && j !== f.jurisdiction) return false
    if (words.length) {
      const hay = `${rowAddress(r)} ${jurisdictionName(j)} ${r.text || ''}`.toLowerCase()
      if (!words.every((w) => hay.includes(w))) return false
    }
    return true
  }
}
