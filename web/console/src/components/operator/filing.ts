// Filing a call: the report (POST /api/v1/complaints), then what the operator asked for on top of
// it: an inquiry answered on the spot.
//
// A caller reporting what an open case nearby already is (the nearby list: same category, 250 m,
// 30 days) is joined to that case instead (join_case): the hub adds the caller as one more
// reporter, makes no second case, counts the problem once, and tells the caller when it closes.
// Nothing is left to merge later, which the automatic dispatch would not allow anyway.

import type { ApiError } from '../../lib/api'
import { stateLabel, unitName } from '../../lib/format'
import { isInquiry, toComplaint, type CallRef, type IntakeForm } from './intake'
import { zh } from './text'

/** Outcome is what the hub's automatic policy will do with a report (GET /api/v1/route). */
export type Outcome = 'dispatch' | 'transfer' | 'centre'

/** JoinTarget is the open case a call is about, picked from the nearby list. */
export interface JoinTarget {
  number: string
  distance_m?: number
}

/** FiledCase is what the console reads of the hub's answer to a report. */
export interface FiledCase {
  number: string
  state: string
  owner: string
  reports?: unknown[] // the reports joined to the case after its first
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

/** fileReport files the form (joined to `join` when given) and then answers an inquiry as asked.
 * It throws FilingError only when the report itself was refused; a failure after that is a result
 * with ok=false, since the report is stored and filing it again would make a second case. */
export async function fileReport(form: IntakeForm, join: JoinTarget | null, post: Post, call: CallRef | null = null): Promise<FilingResult> {
  let c: FiledCase
  const body = { ...toComplaint(form), ...(join && { join_case: join.number }), ...(call && { call }) }
  try {
    c = (await post<{ case: FiledCase }>('/api/v1/complaints', body)).case
  } catch (e) {
    throw new FilingError('file', e as Error)
  }
  if (join) return { number: c.number, ok: true, message: joinedMessage(c) }
  if (isInquiry(form)) return answerFiled(c, form.answer.trim(), post)
  return { number: c.number, ok: true, message: `已登记 ${c.number}，${where(c)}` }
}

/** joinedMessage says which case the call joined and how many have now reported it. */
export function joinedMessage(c: FiledCase): string {
  return `已并入 ${c.number}（同一问题，第 ${1 + (c.reports?.length ?? 0)} 位反映人），不另立案；办结时将告知来电人`
}

async function answerFiled(c: FiledCase, text: string, post: Post): Promise<FilingResult> {
  try {
    await post(actionPath(c.number), { action: 'answer', text })
    return { number: c.number, ok: true, message: `已登记并直接办结 ${c.number}` }
  } catch (e) {
    return { number: c.number, ok: false, message: `已登记 ${c.number}，但直接办结未成功：${zh((e as Error).message)}` }
  }
}
