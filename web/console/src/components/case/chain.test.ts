import { describe, expect, it } from 'vitest'
import { checkChain, type ChainEvent } from './chain'

const h = (c: string) => c.repeat(64)
// A well-formed history of three events: a <- b <- c.
const history = (): ChainEvent[] => [
  { seq: 1, prev_hash: '', hash: h('a') },
  { seq: 2, prev_hash: h('a'), hash: h('b') },
  { seq: 3, prev_hash: h('b'), hash: h('c') },
]

describe('checkChain', () => {
  it('passes an unbroken history that ends at the case\'s last hash', () => {
    const got = checkChain(history(), h('c'))
    expect(got.ok).toBe(true)
    expect(got.marks.map((m) => m.ok)).toEqual([true, true, true])
    expect(got.summary).toContain('3 个事件逐一衔接')
    expect(got.summary).toContain('末哈希一致')
  })

  it('passes without a last hash to compare, and an empty history', () => {
    expect(checkChain(history()).ok).toBe(true)
    expect(checkChain([], '').ok).toBe(true)
    expect(checkChain([]).summary).toBe('尚无事件')
  })

  it('names the event whose prev_hash is not the previous hash, and only that one', () => {
    const evs = history()
    evs[2].prev_hash = h('x')
    const got = checkChain(evs, h('c'))
    expect(got.ok).toBe(false)
    expect(got.marks.map((m) => m.ok)).toEqual([true, true, false])
    expect(got.marks[2].problem).toContain('与上一事件的哈希')
    expect(got.summary).toContain('自第 3 号事件起')
  })

  it('finds an event taken out of the middle (a sequence gap and a broken link)', () => {
    const evs = history()
    evs.splice(1, 1)
    const got = checkChain(evs, h('c'))
    expect(got.marks.map((m) => m.ok)).toEqual([true, false])
    expect(got.marks[1].problem).toContain('序号 1 之后应为 2，却为 3')
  })

  it('finds a history cut short at the end through the case\'s last hash', () => {
    const got = checkChain(history().slice(0, 2), h('c'))
    expect(got.marks.map((m) => m.ok)).toEqual([true, false])
    expect(got.marks[1].problem).toContain('末哈希')
  })

  it('finds a history cut short at the start', () => {
    const got = checkChain(history().slice(1), h('c'))
    expect(got.marks[0].ok).toBe(false)
    expect(got.marks[0].problem).toContain('首个事件不应有前序哈希')
    expect(got.marks[1].ok).toBe(true)
  })

  it('finds two events swapped', () => {
    const evs = history()
    ;[evs[1], evs[2]] = [evs[2], evs[1]]
    const got = checkChain(evs)
    expect(got.marks.map((m) => m.ok)).toEqual([true, false, false])
  })

  it('refuses an event without a hash', () => {
    const evs = history()
    evs[0].hash = ''
    evs[1].prev_hash = ''
    const got = checkChain(evs)
    expect(got.marks[0].ok).toBe(false)
    expect(got.marks[0].problem).toContain('没有哈希')
  })
})
