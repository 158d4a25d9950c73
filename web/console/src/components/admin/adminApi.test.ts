import { describe, expect, it } from 'vitest'
import { accountPayload, daysOf, rangesOf } from './adminApi'

describe('calendar days', () => {
  it('expands and regroups holiday ranges', () => {
    const days = daysOf([['2027-01-01', '2027-01-03'], ['2027-02-06', '2027-02-06']])
    expect([...days]).toEqual(['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-06'])
    expect(rangesOf(days)).toEqual([['2027-01-01', '2027-01-03'], ['2027-02-06', '2027-02-06']])
  })
  it('crosses a month end', () => {
    expect(rangesOf(['2027-02-01', '2027-01-31'])).toEqual([['2027-01-31', '2027-02-01']])
  })
})

describe('accountPayload', () => {
  it('sends a certificate only when it has a number', () => {
    const base = { login: ' gn-9 ', name: '队员', role: 'officer', unit: 'QJ-GN-DD' }
    expect(accountPayload({ ...base, certificate: { number: ' ', valid_until: '', scope: '' } }).certificate).toBeNull()
    expect(accountPayload({ ...base, certificate: { number: '渝执-1', valid_until: '2028-12-31', scope: '城市管理' } }))
      .toMatchObject({ login: 'gn-9', certificate: { number: '渝执-1' } })
  })
})
