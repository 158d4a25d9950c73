// Why a case came back: the reasons of its return events. A row carries the count, not the reasons,
// so the desk reads the events of the returned cases it shows (a page at most, a few at a time) and
// keeps them by case and version; a return seen live on the stream is added at once.

import { shallowReactive } from 'vue'
import { get } from '../../lib/api'
import type { CaseRow, StreamMessage } from '../../lib/types'
import type { HubEvent } from '../../lib/caseData'

export interface ReturnReason {
  unit: string
  reason: string
  at: string
  actor: string
}

interface Held {
  version: number
  reasons: ReturnReason[]
}

/** reasons by case id; reactive, so that a table cell shows them when they arrive */
export const returnReasons = shallowReactive(new Map<number, Held>())
const inFlight = new Set<number>()
const parallel = 3

/** reasonsOf are the return events of a history, oldest first. */
export function reasonsOf(events: HubEvent[]): ReturnReason[] {
  return events
    .filter((e) => e.action === 'return')
    .map((e) => ({ unit: String(e.data?.unit || e.actor.unit || ''), reason: e.reason || '', at: e.at, actor: e.actor.name || e.actor.login }))
}

/** want reads the reasons of the returned rows that are not held at their version yet. */
export function want(rows: CaseRow[]) {
  const queue = rows.filter((r) => (r.return_count || 0) > 0 && returnReasons.get(r.id)?.version !== r.version && !inFlight.has(r.id))
  let running = 0
  const next = () => {
    while (running < parallel && queue.length) {
      const r = queue.shift()!
      running++
      inFlight.add(r.id)
      get<HubEvent[]>(`/api/v1/cases/${encodeURIComponent(r.number)}/events`)
        .then((evs) => returnReasons.set(r.id, { version: r.version ?? 0, reasons: reasonsOf(evs) }))
        .catch(() => returnReasons.set(r.id, { version: r.version ?? 0, reasons: [] }))
        .finally(() => {
          inFlight.delete(r.id)
          running--
          next()
        })
    }
  }
  next()
}

/** heard adds a return seen on the stream to the reasons held for its case. */
export function heard(msg: StreamMessage) {
  const d = msg.data
  if (!d || d.action !== 'return') return
  const held = returnReasons.get(msg.case_id)
  if (!held) return // never read: want() reads the whole history when the row is shown
  const reason: ReturnReason = { unit: String((d.detail as { unit?: string } | null)?.unit || d.actor.unit), reason: d.reason, at: msg.at, actor: d.actor.name || d.actor.login }
  returnReasons.set(msg.case_id, { version: d.case.version ?? 0, reasons: [...held.reasons, reason] })
}
