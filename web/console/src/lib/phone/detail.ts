// A task as GET /api/v1/cases/{n} serves it (the whole case, its events, the actions the hub will
// accept from the caller), and what the task view derives from it.

import { limitUnitNames, type CaseAnswer, type HubEvent, type Limit } from '../caseData'

// The task view reads the case as every console does (lib/caseData.ts); these names say what it
// is to a street team.
export type TaskEvent = HubEvent
export type TaskDetail = CaseAnswer

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
