import { describe, expect, it } from 'vitest'
import { fileReport, FilingError, type FiledCase } from './filing'
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
    const joined = (body as { join_case?: string }).join_case
    const c: FiledCase = joined
      ? { number: joined, state: 'dispatched', owner: 'QJ-GN-DD', reports: [{}, {}] }
      : { number: 'QJ20261204000009', state, owner: state === 'received' ? 'CMD' : 'QJ-GN-DD' }
    return { case: c } as T
  }
  return { calls, post }
}

describe('fileReport', () => {
  it('files a complaint and says where it went', async () => {
    const h = hub('dispatched')
    const r = await fileReport(form(), null, h.post)
    expect(h.calls.map((c) => c.path)).toEqual(['/api/v1/complaints'])
    expect(r).toEqual({ number: 'QJ20261204000009', ok: true, message: '已登记 QJ20261204000009，已派遣至QJ-GN-DD' })
  })
  it('answers an inquiry on the spot after filing it', async () => {
    const h = hub('received')
    const r = await fileReport(form({ nature: 'inquiry', answer: ' 每周二收运 ' }), null, h.post)
    expect(h.calls[1]).toEqual({ path: '/api/v1/cases/QJ20261204000009/actions', body: { action: 'answer', text: '每周二收运' } })
    expect(r.ok).toBe(true)
    expect(r.message).toContain('直接办结')
  })
  it('joins a call about an open case nearby to it: one request, no second case', async () => {
    const h = hub('dispatched')
    const r = await fileReport(form(), { number: 'QJ1', distance_m: 42.4 }, h.post)
    expect(h.calls).toHaveLength(1)
    expect(h.calls[0].body).toMatchObject({ category: '0501', join_case: 'QJ1' })
    expect(r).toEqual({ number: 'QJ1', ok: true, message: '已并入 QJ1（同一问题，第 3 位反映人），不另立案；办结时将告知来电人' })
  })
  it('throws only when the report itself is refused: nothing was stored', async () => {
    const h = hub('dispatched', { '/api/v1/complaints': new Error('未知的事件类别') })
    await expect(fileReport(form(), null, h.post)).rejects.toBeInstanceOf(FilingError)
  })
  it('reports a failed step after filing without throwing, so that nobody files twice', async () => {
    const h = hub('received', { answer: new Error('只有受理员可以直接答复') })
    const r = await fileReport(form({ nature: 'inquiry', answer: '每周二' }), null, h.post)
    expect(r).toMatchObject({ number: 'QJ20261204000009', ok: false })
    expect(r.message).toContain('只有受理员可以直接答复')
  })
})
