import { describe, expect, it } from 'vitest'
import { parseRing } from './ring'
import { fileReport } from './filing'
import { emptyForm } from './intake'

describe('parseRing', () => {
  it('reads a call event with its caller', () => {
    const r = parseRing(JSON.stringify({ call: { id: 'c1', caller: '13700001111', agent: 'op1', ringing_at: '2026-12-05T01:00:00Z' },
      caller: { phone: '13700001111', cases: [], calls: 3, repeat: true } }), 12)
    expect(r).toMatchObject({ call: { id: 'c1' }, caller: { repeat: true }, at: 12 })
  })
  it('ignores what is not a call', () => {
    expect(parseRing('not json', 0)).toBeNull()
    expect(parseRing(JSON.stringify({ call: { id: '' } }), 0)).toBeNull()
  })
})

describe('a report taken on a call', () => {
  it('names the call and its recording', async () => {
    const bodies: unknown[] = []
    const post = async <T>(_: string, body: unknown): Promise<T> => {
      bodies.push(body)
      return { case: { number: 'QJ1', state: 'dispatched', owner: 'QJ-GN-DD' } } as T
    }
    const form = { ...emptyForm(), category: '0501', text: '摊贩', lat: 28.95, lng: 106.6 }
    await fileReport(form, null, post, { id: 'c1', recording: 'rec/c1.wav' })
    expect(bodies[0]).toMatchObject({ call: { id: 'c1', recording: 'rec/c1.wav' } })
    await fileReport(form, null, post)
    expect(bodies[1]).not.toHaveProperty('call')
  })
})
