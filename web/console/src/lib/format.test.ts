import { describe, expect, it } from 'vitest'
import { countdown, isToday } from './format'

describe('countdown', () => {
  const now = Date.parse('2026-12-04T02:00:00Z')
  it('says the time left', () => {
    expect(countdown('2026-12-04T04:05:00Z', now)).toBe('剩 2小时05分')
    expect(countdown('2026-12-04T02:10:00Z', now)).toBe('剩 10分')
    expect(countdown('2026-12-06T03:00:00Z', now)).toBe('剩 2天1小时')
  })
  it('says how late', () => {
    expect(countdown('2026-12-04T01:25:00Z', now)).toBe('超时 35分')
  })
})

describe('isToday', () => {
  it('uses the Beijing date', () => {
    const now = Date.parse('2026-12-04T17:00:00Z') // 01:00 on the 5th in Beijing
    expect(isToday('2026-12-04T16:30:00Z', now)).toBe(true)
    expect(isToday('2026-12-04T15:30:00Z', now)).toBe(false)
  })
})
