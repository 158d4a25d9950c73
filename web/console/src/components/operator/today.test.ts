import { describe, expect, it } from 'vitest'
import { beijingDay, MineBook, todaysRows } from './today'
import type { CaseRow } from '../../lib/types'

const row = (id: number, created: string): CaseRow => ({
  id, number: `QJ${id}`, state: 'dispatched', owner: 'QJ-GN-DD', channel: 'hotline', nature: 'complaint',
  category: '0501', jurisdiction: 'QJ-GN', point: { lat: 28.95, lng: 106.6 }, created_at: created,
})

describe('todaysRows', () => {
  const now = Date.parse('2026-12-04T10:00:00Z') // 18:00 in Beijing
  const rows = [
    row(1, '2026-12-04T01:00:00Z'),
    row(2, '2026-12-03T15:59:00Z'), // 23:59 on the 3rd in Beijing: yesterday
    row(3, '2026-12-04T09:30:00Z'),
    row(4, '2026-12-03T16:01:00Z'), // 00:01 on the 4th in Beijing: today
  ]
  it('keeps today in Beijing, newest first', () => {
    expect(todaysRows(rows, now).map((r) => r.id)).toEqual([3, 1, 4])
  })
  it('keeps only the numbers asked for', () => {
    expect(todaysRows(rows, now, new Set(['QJ1', 'QJ2'])).map((r) => r.id)).toEqual([1])
  })
})

describe('MineBook', () => {
  it('remembers the numbers of the day across a reload and forgets earlier days', () => {
    const store = new Map<string, string>()
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
      key: (i: number) => [...store.keys()][i] ?? null,
      get length() { return store.size },
    }
    store.set('cityhub.operator.mine.op1.2026-12-03', '["QJ0"]')
    store.set('cityhub.operator.mine.op2.2026-12-03', '["QJX"]')
    const a = new MineBook(storage, 'op1', '2026-12-04')
    expect(a.add('QJ1')).toBe(true)
    expect(a.add('QJ1')).toBe(false)
    const b = new MineBook(storage, 'op1', '2026-12-04')
    expect([...b.numbers]).toEqual(['QJ1'])
    expect(store.has('cityhub.operator.mine.op1.2026-12-03')).toBe(false)
    expect(store.has('cityhub.operator.mine.op2.2026-12-03')).toBe(true) // another operator's
  })
  it('survives a damaged entry', () => {
    const storage = { getItem: () => '{not json', setItem: () => {}, removeItem: () => {}, key: () => null, length: 0 }
    expect(new MineBook(storage, 'op1', '2026-12-04').numbers.size).toBe(0)
  })
  it('names the day in Beijing', () => {
    expect(beijingDay(Date.parse('2026-12-04T16:30:00Z'))).toBe('2026-12-05')
  })
})
