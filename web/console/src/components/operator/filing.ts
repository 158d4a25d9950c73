// Filing a call: the report first (POST /api/v1/complaints), then what the operator asked for on
// top of it: an inquiry answered on the spot, or a repeat report merged into the earlier case.
//
// Merging (DOMAIN.md, dispatcher/lifecycle.go): an operator or shift leader may merge a case that
// is still `received` or `registered`, into an earlier open case of the same category group within
// the merge radius. Under the hub's automatic policy a complaint is registered and dispatched in the
// same write that creates it, so by the time it could be merged it is `dispatched`, and nobody may
// merge it any more. The console then files the report and records on it, as a note in its
// history, which earlier case it repeats, and says that the shift leader has to settle it (void it
// as a repeat, or merge it once it is back in the centre). The route preview's `outcome` tells
// beforehand which of the two will happen, so the button can say so before it is pressed.

import type { ApiError } from '../../lib/api'
import { stateLabel, unitName } from '../../lib/format'
import { isInquiry, toComplaint, type IntakeForm } from './intake'
import { zh } from './text'

/** Outcome is what the hub's automatic policy will do with a report (GET /api/v1/route). */
export type Outcome = 'dispatch' | 'transfer' | 'centre'

export interface MergeTarget {
  number: string
  distance_m?: number
  reason: string
}

/** FiledCase is what the console reads of the hub's answer to a report. */
export interface FiledCase {
  number: string
  state: string
  owner: string
}

export interface FilingResult {
  number: string
  ok: boolean // false: the report is filed, but the step after it failed or was not allowed
  message: string
}

/** FilingError is a failure to file the report itself: nothing was stored. */
export class FilingError extends Error {
  constructor(readonly step: 'file' | 'answer', readonly cause: ApiError | Error) {
    super(cause.message)
  }
}

type Post = <T>(path: string, body: unknown) => Promise<T>

const mergeRoles = new Set(['operator', 'shift_leader'])
const mergeStates = new Set(['received', 'registered'])

/** canMergeAfterFiling says beforehand whether the console will be able to merge a report it files
 * (the preview's outcome), so that the nearby list offers "merge" or "flag as repeat". */
export function canMergeAfterFiling(role: string, outcome: Outcome | undefined): boolean {
  return mergeRoles.has(role) && outcome === 'centre'
}

/** mayMerge says whether the filed case can be merged now, from its state as the hub answered it. */
export function mayMerge(role: string, state: string): boolean {
  return mergeRoles.has(role) && mergeStates.has(state)
}

const actionPath = (n: string) => `/api/v1/cases/${encodeURIComponent(n)}/actions`

/** where says where a new case went, in the words of the success message. */
export function where(c: FiledCase): string {
  switch (c.state) {
    case 'dispatched':
      return `已派遣至${unitName(c.owner)}`
    case 'transferred':
      return `已移交${unitName(c.owner)}`
    case 'received':
      return '待值班长立案'
  }
  return stateLabel(c.state)
}

/** fileReport files the form and then answers or merges as asked. It throws FilingError only when
 * the report itself was refused; a failure after that is a result with ok=false, since the report
 * is stored and filing it again would make a second case. */
export async function fileReport(form: IntakeForm, role: string, merge: MergeTarget | null, post: Post): Promise<FilingResult> {
  let c: FiledCase
  try {
    c = (await post<{ case: FiledCase }>('/api/v1/complaints', toComplaint(form))).case
  } catch (e) {
    throw new FilingError('file', e as Error)
  }
  if (merge) return mergeFiled(c, role, merge, post)
  if (isInquiry(form)) return answerFiled(c, form.answer.trim(), post)
  return { number: c.number, ok: true, message: `已登记 ${c.number}，${where(c)}` }
}

async function answerFiled(c: FiledCase, text: string, post: Post): Promise<FilingResult> {
  try {
    await post(actionPath(c.number), { action: 'answer', text })
    return { number: c.number, ok: true, message: `已登记并直接办结 ${c.number}` }
  } catch (e) {
    return { number: c.number, ok: false, message: `已登记 ${c.number}，但直接办结未成功：${zh((e as Error).message)}` }
  }
}

async function mergeFiled(c: FiledCase, role: string, m: MergeTarget, post: Post): Promise<FilingResult> {
  if (mayMerge(role, c.state)) {
    try {
      await post(actionPath(c.number), { action: 'merge', into: m.number, reason: m.reason })
      return { number: c.number, ok: true, message: `已登记 ${c.number} 并合并到 ${m.number}` }
    } catch (e) {
      return { number: c.number, ok: false, message: `已登记 ${c.number}，但未能合并到 ${m.number}：${zh((e as Error).message)}。请值班长处理。` }
    }
  }
  return flagRepeat(c, m, post)
}

/** flagRepeat records on a case that could not be merged which earlier case it repeats. */
async function flagRepeat(c: FiledCase, m: MergeTarget, post: Post): Promise<FilingResult> {
  const text = repeatNote(c, m)
  try {
    await post(actionPath(c.number), { action: 'note', text })
  } catch (e) {
    return { number: c.number, ok: false, message: `已登记 ${c.number}（${where(c)}），但未能备注重复：${zh((e as Error).message)}` }
  }
  return {
    number: c.number, ok: false,
    message: `已登记 ${c.number}（${where(c)}），已备注与 ${m.number} 重复。自动派遣后受理员不能合并，请值班长按重复件作废。`,
  }
}

/** repeatNote is the note left on a repeat report that could not be merged. */
export function repeatNote(c: FiledCase, m: MergeTarget): string {
  const apart = m.distance_m !== undefined ? `，相距约 ${Math.round(m.distance_m)} 米` : ''
  return `重复件：与 ${m.number} 反映同一问题${apart}。${m.reason}。提交时案件${stateLabel(c.state)}，已派出的案件不能再合并，请值班长按重复件作废（理由注明 ${m.number}）。`
}
