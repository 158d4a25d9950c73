import { describe, expect, it } from 'vitest'
import { buildAction, emptyForm, extensionRoom, offered, type ActionForm } from './actions'
import { eventMedia } from '../caseData'

const form = (over: Partial<ActionForm> = {}): ActionForm => ({ ...emptyForm(), ...over })
const h = 'b'.repeat(64)

describe('buildAction', () => {
  it('acknowledges with the version only', () => {
    expect(buildAction('acknowledge', form(), { version: 3 })).toEqual({ body: { action: 'acknowledge', version: 3 }, error: '' })
  })
  it('needs a reason to return or rework', () => {
    expect(buildAction('return', form({ reason: '  ' }), { version: 3 }).error).toBe('请填写回退理由')
    expect(buildAction('rework', form(), { version: 3 }).error).toBe('请填写返工理由')
    expect(buildAction('return', form({ reason: ' 不属于本单位职责 ' }), { version: 3 }).body).toEqual({ action: 'return', version: 3, reason: '不属于本单位职责' })
  })
  it('asks for an extension in the handling clock\'s unit, within the room left', () => {
    const ctx = { version: 4, handlingUnit: 'work_day', maxExtension: 2 }
    expect(buildAction('extend_request', form({ limitValue: 2, reason: '需协调' }), ctx).body)
      .toEqual({ action: 'extend_request', version: 4, limit: { value: 2, unit: 'work_day' }, reason: '需协调' })
    expect(buildAction('extend_request', form({ limitValue: 3, reason: '需协调' }), ctx).error).toBe('本次最多可申请 2 工作日')
    expect(buildAction('extend_request', form({ limitValue: 1.5, reason: '需协调' }), ctx).error).toBe('延期时长须为正整数')
    expect(buildAction('extend_request', form({ limitValue: 1 }), ctx).error).toBe('请填写延期理由')
  })
  it('resolves with the result, the photos and, when recorded, the decision', () => {
    expect(buildAction('resolve', form({ media: [h] }), { version: 5 }).error).toBe('请填写处置结果')
    expect(buildAction('resolve', form({ text: '已清理', media: [h] }), { version: 5 }).body)
      .toEqual({ action: 'resolve', version: 5, text: '已清理', media: [h] })
    const fine = form({ text: '已处罚', decisionOn: true, decision: { kind: 'fine', amount: 500, text: '罚款五百元' } })
    expect(buildAction('resolve', fine, { version: 5 }).body?.decision).toEqual({ kind: 'fine', amount: 500, text: '罚款五百元' })
    const order = form({ text: '已责令', decisionOn: true, decision: { kind: 'order', amount: 300, text: '责令改正' } })
    expect(buildAction('resolve', order, { version: 5 }).body?.decision).toEqual({ kind: 'order', text: '责令改正' })
    expect(buildAction('resolve', form({ text: 'x', decisionOn: true, decision: { kind: 'fine', amount: null, text: 't' } }), {}).error).toBe('罚款须填写金额（元，整数）')
    expect(buildAction('resolve', form({ text: 'x', decisionOn: true, decision: { kind: '', amount: null, text: '' } }), {}).error).toBe('请选择执法决定种类')
  })
  it('waits for the photos to reach the hub', () => {
    expect(buildAction('resolve', form({ text: '已清理', photosPending: true }), {}).error).toContain('照片还在上传')
  })
  it('sends a verification\'s verdict as a note', () => {
    expect(buildAction('verify_result', form({ media: [h] }), { version: 2 }).error).toBe('请选择核实结论：属实或不属实')
    expect(buildAction('verify_result', form({ verdict: 'true', text: '现场确有', media: [h] }), { version: 2 }).body)
      .toEqual({ action: 'note', version: 2, text: '【核实结果：属实】 现场确有', media: [h] })
  })
  it('passes with an optional remark as the reason', () => {
    expect(buildAction('pass', form({ text: '整改到位' }), { version: 7 }).body).toEqual({ action: 'pass', version: 7, reason: '整改到位' })
  })
})

describe('offered', () => {
  it('keeps the hub\'s actions this console handles, in display order', () => {
    expect(offered(['note', 'return', 'acknowledge', 'reveal_contact'], 'dispatched', ['acknowledge', 'return', 'note']))
      .toEqual(['acknowledge', 'return', 'note'])
    expect(offered(['note'], 'dispatched', ['acknowledge', 'resolve'])).toEqual([])
  })
  it('offers the verification verdict where the hub takes a note on a case in verification', () => {
    expect(offered(['note'], 'verifying', ['verify_result', 'note'])).toEqual(['verify_result', 'note'])
    expect(offered(['note'], 'checking', ['verify_result', 'note'])).toEqual(['note'])
  })
})

describe('extensionRoom', () => {
  it('defaults to the handling time per request and twice it in all', () => {
    expect(extensionRoom({ limit: { value: 4, unit: 'work_hour' } }, undefined)).toEqual({ unit: 'work_hour', max: 4 })
    expect(extensionRoom({ limit: { value: 4, unit: 'work_hour' }, extended: 6 }, undefined)).toEqual({ unit: 'work_hour', max: 2 })
  })
  it('takes the category\'s own bound in the same unit', () => {
    const cat = { handle_limit: { value: 7, unit: 'work_day' }, extension: { per_request: 3, total: 5 } }
    expect(extensionRoom({ limit: { value: 7, unit: 'work_day' }, extended: 3 }, cat)).toEqual({ unit: 'work_day', max: 2 })
    expect(extensionRoom(undefined, cat)).toBeNull()
  })
})

describe('eventMedia', () => {
  it('reads the hashes an event recorded, once each', () => {
    expect(eventMedia({ media: [h, 'not-a-hash'], evidence: [{ sha256: h }, { sha256: 'c'.repeat(64) }] })).toEqual([h, 'c'.repeat(64)])
    expect(eventMedia(null)).toEqual([])
  })
})
