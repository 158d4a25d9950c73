// The actions a phone console takes on a task, as requests to POST /api/v1/cases/{n}/actions. Each
// is checked here first, so that a person on the street learns what is missing before sending,
// in the words of the form; the hub checks everything again.

import { limitUnitNames } from '../caseData'
import type { Decision, Limit } from '../types'

/** The actions the phone consoles know, with the words on their buttons, in display order. */
export const phoneActions: { action: string; label: string; hint: string }[] = [
  { action: 'acknowledge', label: '签收', hint: '确认收到任务，开始处置' },
  { action: 'resolve', label: '处置反馈', hint: '拍照并填写处置结果' },
  { action: 'pass', label: '核查通过', hint: '核查合格，结案' },
  { action: 'rework', label: '返工', hint: '核查不合格，退回原单位重办' },
  { action: 'verify_result', label: '核实反馈', hint: '现场核实后回报指挥中心' },
  { action: 'extend_request', label: '申请延期', hint: '处置时间不够时申请' },
  { action: 'return', label: '回退', hint: '不属于本单位办理' },
  { action: 'note', label: '备注', hint: '记录进展或情况' },
]

/** leavesTask: after these the task is no longer the person's to work on (the view closes). */
export const leavesTask = (action: string) => ['return', 'resolve', 'pass', 'rework', 'verify_result'].includes(action)

export { limitUnitNames }

export interface ActionForm {
  reason: string
  text: string
  limitValue: number
  decisionOn: boolean
  decision: { kind: string; amount: number | null; text: string }
  verdict: '' | 'true' | 'false' // 核实: 属实 or 不属实
  media: string[]
  photosPending: boolean
}

export const emptyForm = (): ActionForm => ({
  reason: '', text: '', limitValue: 1, decisionOn: false, decision: { kind: '', amount: null, text: '' },
  verdict: '', media: [], photosPending: false,
})

export interface ActionBody {
  action: string
  version?: number
  reason?: string
  text?: string
  limit?: Limit
  decision?: Decision
  media?: string[]
}

export interface ActionContext {
  version?: number
  handlingUnit?: string // the handling clock's unit, for extensions
  maxExtension?: number // the most one request may ask for now
}

type Built = { body: ActionBody; error: '' } | { body: null; error: string }

const fail = (error: string): Built => ({ body: null, error })

/** buildAction makes the request of an action from the form, or says what is missing. The
 * inspector's 核实反馈 is a note (the hub's action for it) whose text starts with the verdict. */
export function buildAction(action: string, f: ActionForm, ctx: ActionContext): Built {
  if (f.photosPending) return fail('照片还在上传（或上传失败，请重试或删除）')
  const reason = f.reason.trim()
  const text = f.text.trim()
  const body: ActionBody = { action, version: ctx.version }
  switch (action) {
    case 'acknowledge':
      break
    case 'pass':
      if (text) body.reason = text // the event keeps a reason for any action: the check's remark
      break
    case 'return':
    case 'rework':
      if (!reason) return fail(action === 'return' ? '请填写回退理由' : '请填写返工理由')
      body.reason = reason
      break
    case 'extend_request': {
      if (!ctx.handlingUnit) return fail('此任务没有处置时限，无需延期')
      const v = f.limitValue
      if (!Number.isInteger(v) || v < 1) return fail('延期时长须为正整数')
      if (ctx.maxExtension !== undefined && v > ctx.maxExtension) return fail(`本次最多可申请 ${ctx.maxExtension} ${limitUnitNames[ctx.handlingUnit] || ctx.handlingUnit}`)
      if (!reason) return fail('请填写延期理由')
      body.limit = { value: v, unit: ctx.handlingUnit }
      body.reason = reason
      break
    }
    case 'resolve': {
      if (!text) return fail('请填写处置结果')
      body.text = text
      if (f.decisionOn) {
        const d = f.decision
        if (!d.kind) return fail('请选择执法决定种类')
        if (!d.text.trim()) return fail('请填写执法决定内容')
        const dec: Decision = { kind: d.kind, text: d.text.trim() }
        if (d.kind === 'fine') {
          if (!d.amount || !Number.isInteger(d.amount) || d.amount <= 0) return fail('罚款须填写金额（元，整数）')
          dec.amount = d.amount
        }
        body.decision = dec
      }
      break
    }
    case 'verify_result': {
      if (!f.verdict) return fail('请选择核实结论：属实或不属实')
      const verdict = f.verdict === 'true' ? '属实' : '不属实'
      body.action = 'note'
      body.text = `【核实结果：${verdict}】${text ? ' ' + text : ''}`
      break
    }
    case 'note':
      if (!text && !f.media.length) return fail('请填写备注或拍照')
      body.text = text || '（现场照片）'
      break
    default:
      return fail(`此处不能办理“${action}”`)
  }
  if (f.media.length) body.media = [...f.media]
  return { body, error: '' }
}

/** offered lists the phone actions the hub offers for the case, in display order. The
 * inspector's 核实反馈 is offered on a case in verification where the hub allows a note. */
export function offered(hubActions: string[], state: string, wanted: string[]): string[] {
  const has = new Set(hubActions)
  if (state === 'verifying' && has.has('note')) has.add('verify_result')
  return phoneActions.map((a) => a.action).filter((a) => has.has(a) && wanted.includes(a))
}

interface ClockLike { limit?: Limit; extended?: number; stopped_at?: string }
interface CategoryLike { handle_limit?: Limit; extension?: { per_request: number; total: number } }

/** extensionRoom: the handling clock's unit and the most one request may ask for now (the
 * category's bound, or by default its handling time per request and twice it in all). */
export function extensionRoom(handling: ClockLike | undefined, cat: CategoryLike | undefined): { unit: string; max: number } | null {
  if (!handling?.limit) return null
  const unit = handling.limit.unit
  const bound = cat?.handle_limit?.unit === unit && cat.extension
    ? cat.extension
    : { per_request: handling.limit.value, total: handling.limit.value * 2 }
  const max = Math.min(bound.per_request, bound.total - (handling.extended || 0))
  return { unit, max: Math.max(0, max) }
}
