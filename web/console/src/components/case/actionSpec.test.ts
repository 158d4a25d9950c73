import { describe, expect, it } from 'vitest'
import { buildAction, buttonOrder, emptyForm, initialForm, type ActionForm } from './actionSpec'

const form = (over: Partial<ActionForm> = {}): ActionForm => ({ ...emptyForm(), ...over })

describe('buildAction', () => {
  it('sends the version so that a stale view is refused', () => {
    expect(buildAction('pass', form(), { version: 7 })).toEqual({ body: { action: 'pass', version: 7 }, error: '' })
  })

  it('requires the reason where the lifecycle table does', () => {
    for (const a of ['reject', 'merge', 'arbitrate', 'return', 'reassign', 'extend_deny', 'suspend', 'rework', 'void', 'reopen', 'set_publication', 'reveal_contact']) {
      // every other field filled: only the reason is missing
      const rest = form({ reason: '  ', unit: 'B', into: 'QJ1', publication: 'private' })
      expect(buildAction(a, rest, { currentUnit: 'A' }).error, a).toBe('请填写理由')
    }
    expect(buildAction('void', form({ reason: ' 重复录入 ' }), { version: 2 }).body).toEqual({ action: 'void', version: 2, reason: '重复录入' })
  })

  it('dispatches to the routed unit without a reason, elsewhere only with one', () => {
    const ctx = { version: 3, routedUnit: 'QJ-GN-DD' }
    expect(buildAction('dispatch', initialForm('dispatch', ctx), ctx).body).toEqual({ action: 'dispatch', version: 3, unit: 'QJ-GN-DD' })
    expect(buildAction('dispatch', form({ unit: 'QJ-SJ-DD' }), ctx).error).toBe('派往非路由单位须说明理由')
    expect(buildAction('dispatch', form({ unit: 'QJ-SJ-DD', reason: '属三江辖区' }), ctx).body)
      .toEqual({ action: 'dispatch', version: 3, unit: 'QJ-SJ-DD', reason: '属三江辖区' })
  })

  it('asks for the form\'s fields in its order: the unit before the reason', () => {
    expect(buildAction('arbitrate', form(), {}).error).toBe('请选择承办单位')
  })

  it('reassigns and arbitrates to a named unit, another than the current one', () => {
    expect(buildAction('reassign', form({ reason: '职责调整' }), { currentUnit: 'A' }).error).toBe('请选择承办单位')
    expect(buildAction('reassign', form({ unit: 'A', reason: '职责调整' }), { currentUnit: 'A' }).error).toBe('改派须选择另一个承办单位')
    expect(buildAction('arbitrate', form({ unit: 'B', reason: '属地管理' }), { version: 9 }).body)
      .toEqual({ action: 'arbitrate', version: 9, unit: 'B', reason: '属地管理' })
    expect(buildAction('transfer', form(), {}).error).toBe('请选择移交的外部单位')
  })

  it('registers with the confirmed category', () => {
    expect(buildAction('register', initialForm('register', { category: '0501' }), { version: 1 }).body)
      .toEqual({ action: 'register', version: 1, category: '0501' })
    expect(buildAction('register', form(), {}).error).toBe('请选择事件类别')
  })

  it('needs an inspector to check, not to verify', () => {
    expect(buildAction('check', form(), {}).error).toBe('请选择核查的监督员')
    expect(buildAction('check', form({ inspector: 'insp1' }), { version: 5 }).body).toEqual({ action: 'check', version: 5, inspector: 'insp1' })
    expect(buildAction('verify', form(), { version: 1 }).body).toEqual({ action: 'verify', version: 1 })
  })

  it('asks for an extension in the handling clock\'s unit', () => {
    const ctx = { handlingUnit: 'work_day' }
    expect(buildAction('extend_request', form({ limitValue: 2, reason: '需协调' }), ctx).body)
      .toEqual({ action: 'extend_request', limit: { value: 2, unit: 'work_day' }, reason: '需协调' })
    expect(buildAction('extend_request', form({ limitValue: 1.5, reason: '需协调' }), ctx).error).toBe('延期时长须为正整数')
    expect(buildAction('extend_request', form({ limitValue: 1, reason: 'x' }), {}).error).toBe('此案件没有处置时限，无需延期')
  })

  it('builds the structured decision for a legal review and for a resolution', () => {
    const fine = form({ decisionKind: 'fine', decisionAmount: 20000, decisionText: '罚款两万元', approved: true, text: '同意' })
    expect(buildAction('legal_review', fine, { version: 4 }).body).toEqual({
      action: 'legal_review', version: 4, text: '同意', approved: true, decision: { kind: 'fine', amount: 20000, text: '罚款两万元' },
    })
    expect(buildAction('legal_review', form({ decisionKind: 'fine', decisionText: 't', approved: true }), {}).error).toBe('罚款须填写金额（元，正整数）')
    expect(buildAction('legal_review', form({ decisionKind: 'advice', decisionText: 't', approved: true }), {}).error).toContain('劝导教育')
    expect(buildAction('legal_review', form({ decisionKind: 'order', decisionText: 't' }), {}).error).toBe('请选择审核结论：同意或不同意')
    expect(buildAction('resolve', form({ text: '已劝离' }), {}).body).toEqual({ action: 'resolve', text: '已劝离' })
    expect(buildAction('resolve', form({ text: '已责令', decisionOn: true, decisionKind: 'order', decisionAmount: 5, decisionText: '责令改正' }), {}).body)
      .toEqual({ action: 'resolve', text: '已责令', decision: { kind: 'order', text: '责令改正' } })
    expect(buildAction('resolve', form(), {}).error).toBe('请填写处置结果')
  })

  it('records a follow-up\'s satisfaction, a publication, a merge', () => {
    expect(buildAction('follow_up', form(), {}).error).toBe('请选择满意度')
    expect(buildAction('follow_up', form({ satisfaction: 'satisfied', text: '已回访' }), {}).body)
      .toEqual({ action: 'follow_up', satisfaction: 'satisfied', text: '已回访' })
    expect(buildAction('set_publication', form({ reason: '涉及隐私' }), {}).error).toBe('请选择公开或不公开')
    expect(buildAction('merge', form({ reason: '同一摊贩', into: ' QJ1 ' }), {}).body).toEqual({ action: 'merge', into: 'QJ1', reason: '同一摊贩' })
  })

  it('sends only the fields an action reads', () => {
    const all = form({ reason: 'r', text: 't', unit: 'U', category: 'C', into: 'I', inspector: 'insp1', satisfaction: 'satisfied', publication: 'public' })
    expect(buildAction('acknowledge', all, {}).body).toEqual({ action: 'acknowledge' })
    expect(buildAction('note', all, {}).body).toEqual({ action: 'note', text: 't' })
  })
})

describe('buttonOrder', () => {
  it('puts the awaited step first and leaves the contact to the reporter field', () => {
    expect(buttonOrder(['note', 'urge', 'reveal_contact', 'reassign', 'void', 'check'])).toEqual(['check', 'reassign', 'urge', 'note', 'void'])
  })
})
