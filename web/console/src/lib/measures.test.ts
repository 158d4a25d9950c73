import { describe, expect, it } from 'vitest'
import { change, duration, percent, periodQuery, withQuery } from './measures'

describe('measures formatting', () => {
  it('shows rates in percent with one decimal, a dash without a denominator', () => {
    expect(percent(0.9861)).toBe('98.6')
    expect(percent(1)).toBe('100.0')
    expect(percent(null)).toBe('—')
  })
  it('compares counts in percent and rates in percentage points', () => {
    expect(change(110, 100, false)).toEqual({ text: '+10.0%', up: true })
    expect(change(0.9, 0.95, true)).toEqual({ text: '-5.0 个百分点', up: false })
    expect(change(3, 0, false).text).toBe('去年同期为 0')
    expect(change(null, 1, true).up).toBeNull()
  })
  it('averages read in minutes, hours or days', () => {
    expect(duration(600)).toBe('10 分钟')
    expect(duration(5400)).toBe('1.5 小时')
    expect(duration(4 * 86400)).toBe('4.0 天')
    expect(duration(null)).toBe('—')
  })
  it('puts a period into the query', () => {
    expect(withQuery('/api/v1/measures', periodQuery({ name: 'week' }), { dim: 'unit' })).toBe('/api/v1/measures?period=week&dim=unit')
    expect(periodQuery({ name: 'range', from: '2026-01-01', to: '2026-03-31' }).toString()).toBe('from=2026-01-01&to=2026-03-31')
  })
})
