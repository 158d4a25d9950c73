import { describe, expect, it } from 'vitest'
import { addDays, beijingDay, trendRange } from './days'

describe('days', () => {
  it('counts the day in Beijing time', () => {
    expect(beijingDay(Date.parse('2026-12-03T16:30:00Z'))).toBe('2026-12-04')
    expect(beijingDay(Date.parse('2026-12-03T15:59:00Z'))).toBe('2026-12-03')
  })
  it('moves across months and leap days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
  })
  it('widens short periods to thirty days and keeps long ones', () => {
    expect(trendRange({ name: 'today' }, '2026-12-04')).toEqual({ from: '2026-11-05', to: '2026-12-04' })
    expect(trendRange({ name: 'range', from: '2026-12-01', to: '2026-12-03' }, '2026-12-04')).toEqual({ from: '2026-11-04', to: '2026-12-03' })
    expect(trendRange({ name: 'year' }, '2026-12-04')).toBeNull()
    expect(trendRange({ name: 'range', from: '2026-01-01', to: '2026-06-30' }, '2026-12-04')).toBeNull()
  })
})
