import { describe, expect, it } from 'vitest'
import { canMergeAfterFiling, fileReport, FilingError, mayMerge, type FiledCase } from './filing'
import { emptyForm, type IntakeForm } from './intake'

const form = (over: Partial<IntakeForm> = {}): IntakeForm => ({
  ...emptyForm(), category: '0501', text: '推车卖水果', lat: 28.95, lng: 106.6, ...over,
})

/** hub records the calls and answers the report with a case in `state`; `fail` makes a path refuse. */
function hub(state: string, fail: Record<string, Error> = {}) {
  const calls: { path: string; body: Record<string, unknown> }[] = []
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    calls.push({ path, body: body as Record<string, unknown> })
    const key = path.endsWith('/actions') ? (body as { action: string }).action : path
    if (fail[key]) throw fail[key]
    const c: FiledCase = { number: 'QJ20261204000009', state, owner: state === 'received' ? 'CMD' : 'QJ-GN-DD' }
    return { case: c } as T
  }
  return { calls, post }
}

describe('fileReport', () => {
  it('files a complaint and says where it went', async () => {
    const h = hub('dispatched')
    const r = await fileReport(form(), 'operator', null, h.post)
    expect(h.calls.map((c) => c.path)).toEqual(['/api/v1/complaints'])
    expect(r).toEqual({ number: 'QJ20261204000009', ok: true, message: '已登记 QJ20261204000009，已派遣至QJ-GN-DD' })
  })
  it('answers an inquiry on the spot after filing it', async () => {
    const h = hub('received')
    const r = await fileReport(form({ nature: 'inquiry', answer: ' 每周二收运 ' }), 'operator', null, h.post)
    expect(h.calls[1]).toEqual({ path: '/api/v1/cases/QJ20261204000009/actions', body: { action: 'answer', text: '每周二收运' } })
    expect(r.ok).toBe(true)
    expect(r.message).toContain('直接办结')
  })
  it('merges a report that stays in the centre into the earlier case', async () => {
    const h = hub('received')
    const r = await fileReport(form(), 'operator', { number: 'QJ1', reason: '同一摊贩' }, h.post)
    expect(h.calls[1].body).toEqual({ action: 'merge', into: 'QJ1', reason: '同一摊贩' })
    expect(r).toMatchObject({ ok: true, message: '已登记 QJ20261204000009 并合并到 QJ1' })
  })
  it('notes a repeat it may not merge (dispatched at once) and says who settles it', async () => {
    const h = hub('dispatched')
    const r = await fileReport(form(), 'operator', { number: 'QJ1', distance_m: 42.4, reason: '同一摊贩' }, h.post)
    expect(h.calls[1].body.action).toBe('note')
    expect(h.calls[1].body.text).toContain('QJ1')
    expect(h.calls[1].body.text).toContain('42 米')
    expect(r.ok).toBe(false)
    expect(r.message).toContain('值班长')
  })
  it('throws only when the report itself is refused: nothing was stored', async () => {
    const h = hub('dispatched', { '/api/v1/complaints': new Error('未知的事件类别') })
    await expect(fileReport(form(), 'operator', null, h.post)).rejects.toBeInstanceOf(FilingError)
  })
  it('reports a failed step after filing without throwing, so that nobody files twice', async () => {
    const h = hub('received', { merge: new Error('两案相距 600 米') })
    const r = await fileReport(form(), 'operator', { number: 'QJ1', reason: '重复' }, h.post)
    expect(r).toMatchObject({ number: 'QJ20261204000009', ok: false })
    expect(r.message).toContain('两案相距 600 米')
  })
})

describe('who may merge', () => {
  it('is the operator or shift leader, while the case is still in the centre', () => {
    expect(mayMerge('operator', 'received')).toBe(true)
    expect(mayMerge('shift_leader', 'registered')).toBe(true)
    expect(mayMerge('operator', 'dispatched')).toBe(false)
    expect(mayMerge('dispatcher', 'received')).toBe(false)
  })
  it('is known before filing from the route preview', () => {
    expect(canMergeAfterFiling('operator', 'centre')).toBe(true)
    expect(canMergeAfterFiling('operator', 'dispatch')).toBe(false)
    expect(canMergeAfterFiling('operator', undefined)).toBe(false)
  })
})
