// What each action's dialog asks for, and the request it sends to POST /api/v1/cases/{n}/actions.
// The fields follow dispatcher/change.go's ActionRequest and the rules of dispatcher/effects.go
// (which fields an action reads and which it requires); the lifecycle table's "reason required"
// column decides the reason. Checking here first lets the dialog say what is missing in the form's
// own words before anything is sent; the hub checks everything again and its refusal is shown too.

export type Field =
  | 'unit' | 'category' | 'into' | 'inspector' | 'limit' | 'decision' | 'approved'
  | 'satisfaction' | 'publication' | 'text' | 'reason'

export interface ActionSpec {
  /** the fields the dialog shows, in order */
  fields: Field[]
  /** the lifecycle table requires a reason (DOMAIN.md, dispatcher/lifecycle.go) */
  reasonRequired?: boolean
  /** the label of the text field and whether the hub requires it */
  textLabel?: string
  textRequired?: boolean
  /** which units the unit picker lists: the bureau's handling units, or outside agencies */
  units?: 'bureau' | 'external'
  /** a line under the title: what the action does */
  hint: string
  /** a final or refusing step, shown in red */
  danger?: boolean
}

export const specs: Record<string, ActionSpec> = {
  verify: { fields: ['inspector', 'reason'], hint: '派监督员到现场核实诉求是否属实' },
  register: { fields: ['category', 'reason'], hint: '确认类别并立案，立案后进入派遣' },
  reject: { fields: ['reason'], reasonRequired: true, danger: true, hint: '不予立案，须说明理由' },
  answer: { fields: ['text'], textLabel: '答复内容', textRequired: true, hint: '咨询类诉求当场答复并办结' },
  merge: { fields: ['into', 'reason'], reasonRequired: true, hint: '作为重复件合并到较早的在办案件' },
  dispatch: { fields: ['unit', 'reason'], units: 'bureau', hint: '派往承办单位；改派至非路由单位须说明理由' },
  arbitrate: { fields: ['unit', 'reason'], units: 'bureau', reasonRequired: true, hint: '对两次回退的案件作出仲裁，指定承办单位（仲裁结果不可再回退）' },
  transfer: { fields: ['unit', 'reason'], units: 'external', hint: '移交外部机关或单位办理' },
  record_reply: { fields: ['text'], textLabel: '对方答复', textRequired: true, hint: '登记移交单位的答复并结案' },
  acknowledge: { fields: [], hint: '签收任务，开始处置' },
  return: { fields: ['reason'], reasonRequired: true, danger: true, hint: '回退指挥中心（计入回退率，第二次回退进入仲裁）' },
  reassign: { fields: ['unit', 'reason'], units: 'bureau', reasonRequired: true, hint: '改派另一承办单位，处置时限重新起算' },
  extend_request: { fields: ['limit', 'reason'], reasonRequired: true, hint: '申请延长处置时限（按处置时限的单位）' },
  extend_approve: { fields: ['reason'], hint: '批准延期申请，处置时限按申请顺延' },
  extend_deny: { fields: ['reason'], reasonRequired: true, danger: true, hint: '驳回延期申请，须说明理由' },
  suspend: { fields: ['reason'], reasonRequired: true, hint: '挂起案件，挂起期间时限停止计算' },
  resume: { fields: ['reason'], hint: '恢复办理，时限继续计算' },
  legal_review: { fields: ['decision', 'approved', 'text'], textLabel: '审核意见', hint: '对重大执法决定进行法制审核' },
  resolve: { fields: ['text', 'decision'], textLabel: '处置结果', textRequired: true, hint: '反馈处置结果（执法决定选填）' },
  check: { fields: ['inspector'], hint: '指派监督员到现场核查处置结果' },
  pass: { fields: ['reason'], hint: '核查合格，结案' },
  rework: { fields: ['reason'], reasonRequired: true, danger: true, hint: '核查不合格，退回原单位返工' },
  void: { fields: ['reason'], reasonRequired: true, danger: true, hint: '作废案件，须说明理由' },
  reopen: { fields: ['reason'], reasonRequired: true, hint: '重新办理已办结的案件' },
  uphold: { fields: ['reason'], reasonRequired: true, hint: '复核回访不满意的案件：维持办结，理由将告知诉求人' },
  supervise: { fields: ['text', 'reason'], textLabel: '督办要求', hint: '对案件督办' },
  urge: { fields: ['text', 'reason'], textLabel: '催办内容', hint: '催促承办单位尽快办理' },
  note: { fields: ['text'], textLabel: '备注', textRequired: true, hint: '记录情况或进展' },
  follow_up: { fields: ['satisfaction', 'text'], textLabel: '回访记录', hint: '回访诉求人并记录满意度' },
  set_publication: { fields: ['publication', 'reason'], reasonRequired: true, hint: '设置案件是否在 Open311 公开' },
  reveal_contact: { fields: ['reason'], reasonRequired: true, hint: '查看诉求人联系方式（留痕，须说明理由）' },
}

export const specOf = (action: string): ActionSpec => specs[action] || { fields: ['reason'], hint: '' }

export interface ActionForm {
  reason: string
  text: string
  unit: string
  category: string
  into: string
  inspector: string
  limitValue: number | null
  decisionOn: boolean
  decisionKind: string
  decisionAmount: number | null
  decisionText: string
  approved: boolean | null
  satisfaction: string
  publication: string
}

export const emptyForm = (): ActionForm => ({
  reason: '', text: '', unit: '', category: '', into: '', inspector: '', limitValue: null,
  decisionOn: false, decisionKind: '', decisionAmount: null, decisionText: '', approved: null,
  satisfaction: '', publication: '',
})

/** ActionContext is what the request depends on besides the form. */
export interface ActionContext {
  version?: number
  /** the router's unit: dispatching elsewhere needs a reason */
  routedUnit?: string
  /** the unit handling the case now: a reassignment names another */
  currentUnit?: string
  /** the handling clock's unit: an extension is asked for in it */
  handlingUnit?: string
}

/** ActionBody is the JSON of POST /api/v1/cases/{n}/actions (ActionRequest). */
export interface ActionBody {
  action: string
  version?: number
  reason?: string
  text?: string
  unit?: string
  category?: string
  into?: string
  inspector?: string
  limit?: { value: number; unit: string }
  decision?: { kind: string; amount?: number; text: string }
  approved?: boolean
  satisfaction?: string
  publication?: string
}

export type Built = { body: ActionBody; error: '' } | { body: null; error: string }

const fail = (error: string): Built => ({ body: null, error })

/** initialForm fills what a dialog can propose: the router's unit, the case's category. */
export function initialForm(action: string, ctx: ActionContext & { category?: string }): ActionForm {
  const f = emptyForm()
  if (action === 'dispatch' && ctx.routedUnit) f.unit = ctx.routedUnit
  if (action === 'register' && ctx.category) f.category = ctx.category
  if (action === 'extend_request') f.limitValue = 1
  return f
}

/** buildAction makes an action's request from its form, or says what is missing. */
export function buildAction(action: string, f: ActionForm, ctx: ActionContext): Built {
  const spec = specOf(action)
  const body: ActionBody = { action }
  if (ctx.version !== undefined) body.version = ctx.version
  const reason = f.reason.trim()
  const text = f.text.trim()
  if (reason && spec.fields.includes('reason')) body.reason = reason
  if (text && spec.fields.includes('text')) body.text = text
  // In the form's order: the action's own fields (a unit, a category...), then the free text.
  const err = fillFields(action, spec, f, ctx, body)
  if (err) return fail(err)
  if (spec.textRequired && !text) return fail(`请填写${spec.textLabel || '内容'}`)
  if (spec.reasonRequired && !reason) return fail('请填写理由')
  return { body, error: '' }
}

// fillFields adds the action's own fields to the body; it answers what is missing, or "".
function fillFields(action: string, spec: ActionSpec, f: ActionForm, ctx: ActionContext, body: ActionBody): string {
  const has = (x: Field) => spec.fields.includes(x)
  if (has('unit')) {
    if (!f.unit) return action === 'transfer' ? '请选择移交的外部单位' : '请选择承办单位'
    if (action === 'reassign' && f.unit === ctx.currentUnit) return '改派须选择另一个承办单位'
    if (action === 'dispatch' && ctx.routedUnit && f.unit !== ctx.routedUnit && !body.reason) return '派往非路由单位须说明理由'
    body.unit = f.unit
  }
  if (has('category')) {
    if (!f.category) return '请选择事件类别'
    body.category = f.category
  }
  if (has('into')) {
    if (!f.into.trim()) return '请填写要合并到的案件编号'
    body.into = f.into.trim()
  }
  if (has('inspector')) {
    if (action === 'check' && !f.inspector) return '请选择核查的监督员'
    if (f.inspector) body.inspector = f.inspector
  }
  if (has('limit')) {
    const v = f.limitValue
    if (!ctx.handlingUnit) return '此案件没有处置时限，无需延期'
    if (v === null || !Number.isInteger(v) || v < 1) return '延期时长须为正整数'
    body.limit = { value: v, unit: ctx.handlingUnit }
  }
  if (has('decision') && (action === 'legal_review' || f.decisionOn)) {
    const d = decisionOf(f)
    if (typeof d === 'string') return d
    if (!d) return '请选择执法决定种类'
    if (action === 'legal_review' && d.kind === 'advice') return '劝导教育不是执法决定，无需法制审核'
    body.decision = d
  }
  if (has('approved')) {
    if (f.approved === null) return '请选择审核结论：同意或不同意'
    body.approved = f.approved
  }
  if (has('satisfaction')) {
    if (!f.satisfaction) return '请选择满意度'
    body.satisfaction = f.satisfaction
  }
  if (has('publication')) {
    if (!f.publication) return '请选择公开或不公开'
    body.publication = f.publication
  }
  return ''
}

// decisionOf is the structured decision of the form {kind, amount, text}, or what is missing.
function decisionOf(f: ActionForm): ActionBody['decision'] | string {
  if (!f.decisionKind) return '请选择执法决定种类'
  const text = f.decisionText.trim()
  if (!text) return '请填写执法决定内容'
  if (f.decisionKind !== 'fine') return { kind: f.decisionKind, text }
  const a = f.decisionAmount
  if (a === null || !Number.isInteger(a) || a < 1) return '罚款须填写金额（元，正整数）'
  return { kind: 'fine', amount: a, text }
}

// The order of the buttons: the step the case waits for first, notes and remarks last.
const order = [
  'register', 'verify', 'dispatch', 'arbitrate', 'check', 'extend_approve', 'extend_deny', 'record_reply',
  'acknowledge', 'resolve', 'pass', 'rework', 'legal_review', 'answer', 'transfer', 'reassign', 'merge',
  'suspend', 'resume', 'extend_request', 'return', 'uphold', 'reopen', 'follow_up', 'urge', 'supervise', 'note',
  'set_publication', 'reject', 'void',
]

/** buttonOrder lists the hub's actions for a case in the order the view shows them; the contact
 * is revealed beside the reporter, not among the buttons. Unknown actions keep their place last. */
export function buttonOrder(actions: string[]): string[] {
  const rank = (a: string) => {
    const i = order.indexOf(a)
    return i < 0 ? order.length : i
  }
  return actions.filter((a) => a !== 'reveal_contact').sort((a, b) => rank(a) - rank(b))
}

/** primary: the step the case is waiting for, the filled button. */
export const primaryActions = new Set(['register', 'dispatch', 'arbitrate', 'check', 'extend_approve', 'record_reply', 'acknowledge', 'resolve', 'pass', 'legal_review', 'uphold'])
