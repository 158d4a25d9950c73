import { describe, expect, it } from 'vitest'
import { applyRow } from './live'
import type { CaseRow } from './types'

const row = (v: number, state = 'dispatched'): CaseRow => ({
  id: 7, number: 'QJ1', state, owner: 'QJ-GN-DD', channel: 'hotline', nature: 'complaint',
  category: 'A01', jurisdiction: 'GN', point: { lat: 29, lng: 106 }, version: v,
})

describe('applyRow', () => {
  it('takes a newer version and keeps fields the event does not carry', () => {
    const rows = new Map<number, CaseRow>([[7, { ...row(2), text: '占道经营' }]])
    const got = applyRow(rows, 7, { number: 'QJ1', state: 'in_progress', version: 3 })
    expect(got?.state).toBe('in_progress')
    expect(rows.get(7)?.text).toBe('占道经营')
  })
  it('ignores an event the snapshot already includes', () => {
    const rows = new Map<number, CaseRow>([[7, row(5, 'resolved')]])
    expect(applyRow(rows, 7, { state: 'in_progress', version: 4 })).toBeUndefined()
    expect(applyRow(rows, 7, { state: 'in_progress', version: 5 })).toBeUndefined()
    expect(rows.get(7)?.state).toBe('resolved')
  })
  it('adds a case it did not hold', () => {
    const rows = new Map<number, CaseRow>()
    applyRow(rows, 9, { number: 'QJ9', state: 'received', version: 1 }, '2026-12-04T01:00:00Z')
    expect(rows.get(9)?.id).toBe(9)
    expect(rows.get(9)?.created_at).toBe('2026-12-04T01:00:00Z')
  })
})
