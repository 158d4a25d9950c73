import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Lookup } from './lookup'

/** deferred hub: each question waits until the test answers it. */
function hub() {
  const asked: { key: string; signal: AbortSignal; answer: (v: string) => void; fail: (e: Error) => void }[] = []
  const run = (key: string, signal: AbortSignal) =>
    new Promise<string>((answer, fail) => asked.push({ key, signal, answer, fail }))
  return { asked, run }
}
const settle = () => vi.advanceTimersByTimeAsync(0)

describe('Lookup', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('asks once, 300 ms after the last change', async () => {
    const h = hub()
    const l = new Lookup(h.run)
    for (const k of ['1380', '13800', '138000']) {
      l.set(k)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(h.asked).toHaveLength(0)
    expect(l.state.loading).toBe(true)
    await vi.advanceTimersByTimeAsync(300)
    expect(h.asked.map((a) => a.key)).toEqual(['138000'])
    h.asked[0].answer('history')
    await settle()
    expect(l.state).toMatchObject({ key: '138000', data: 'history', loading: false, error: '' })
  })

  it('aborts a question on its way when a newer one comes, and drops its late answer', async () => {
    const h = hub()
    const l = new Lookup(h.run)
    l.set('a')
    await vi.advanceTimersByTimeAsync(300)
    l.set('b')
    expect(h.asked[0].signal.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(300)
    h.asked[1].answer('B')
    h.asked[0].answer('A (late)')
    await settle()
    expect(l.state.data).toBe('B')
  })

  it('keeps the hub\'s message and code when it refuses', async () => {
    const h = hub()
    const l = new Lookup(h.run)
    l.set('x')
    await vi.advanceTimersByTimeAsync(300)
    h.asked[0].fail(Object.assign(new Error('位置不在本区范围内'), { code: 'outside' }))
    await settle()
    expect(l.state).toMatchObject({ data: null, error: '位置不在本区范围内', code: 'outside', loading: false })
  })

  it('clears the answer when there is nothing to ask, and asks nothing for the same key', async () => {
    const h = hub()
    const l = new Lookup(h.run)
    l.set('a')
    await vi.advanceTimersByTimeAsync(300)
    h.asked[0].answer('A')
    await settle()
    l.set('a')
    await vi.advanceTimersByTimeAsync(300)
    expect(h.asked).toHaveLength(1)
    l.set(null)
    expect(l.state).toMatchObject({ key: null, data: null, loading: false })
  })
})
