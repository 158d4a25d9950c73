import { describe, expect, it } from 'vitest'
import type { CaseRow } from '../types'
import { byUrgency, counts, dueOf, inspectorTasks, isNewDispatch, isNewInspection, isTeamTask, rowAddress, teamTasks, tone } from './tasks'

const GN = 'QJ-GN-DD'
const SJ = 'QJ-SJ-DD'
let n = 0
const row = (over: Partial<CaseRow>): CaseRow => ({
  id: ++n, number: `QJ${String(n).padStart(4, '0')}`, state: 'dispatched', owner: GN, channel: 'hotline', nature: 'complaint',
  category: '0102', jurisdiction: 'QJ-GN', point: { lat: 28.98, lng: 106.61 }, version: 3, ...over,
})

describe('team tasks', () => {
  it('holds only the open cases the unit owns now', () => {
    const mine = ['dispatched', 'in_progress', 'suspended', 'resolved'].map((state) => row({ state }))
    const others = [
      row({ owner: SJ }), // another unit's task: never shown, whatever the hub sent
      row({ state: 'registered', owner: 'CMD' }), // returned by us: the centre owns it now
      row({ state: 'checking', owner: 'CMD' }),
      row({ state: 'closed', owner: '' }),
      row({ state: 'transferred', owner: GN }), // an agency's, not a unit task state
    ]
    const got = teamTasks([...others, ...mine], GN)
    expect(got.map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort())
    expect(teamTasks([...others, ...mine], SJ).map((r) => r.id)).toEqual([others[0].id])
  })
  it('holds nothing for an account without a unit', () => {
    expect(isTeamTask(row({ owner: '' }), '')).toBe(false)
  })
  it('puts tasks to acknowledge first, then overdue, then the nearest deadline', () => {
    const late = row({ state: 'in_progress', deadline: '2026-12-04T09:00:00Z', overdue: true })
    const soon = row({ state: 'in_progress', deadline: '2026-12-04T08:00:00Z' })
    const later = row({ state: 'in_progress', deadline: '2026-12-05T08:00:00Z' })
    const none = row({ state: 'in_progress' })
    const fresh = row({ state: 'dispatched', deadline: '2026-12-09T08:00:00Z' })
    const done = row({ state: 'resolved', deadline: '2026-12-01T08:00:00Z', overdue: true })
    const sorted = [done, none, later, soon, late, fresh].sort(byUrgency)
    expect(sorted.map((r) => r.id)).toEqual([fresh, late, soon, later, none, done].map((r) => r.id))
  })
})

describe('inspector tasks', () => {
  it('holds verifications and checks assigned to this inspector only', () => {
    const v = row({ state: 'verifying', owner: 'CMD', inspector: 'insp1' })
    const c = row({ state: 'checking', owner: 'CMD', inspector: 'insp1' })
    const other = row({ state: 'checking', owner: 'CMD', inspector: 'insp2' })
    const unassigned = row({ state: 'resolved', inspector: undefined })
    const stale = row({ state: 'closed', owner: '', inspector: 'insp1' })
    expect(inspectorTasks([other, unassigned, stale, c, v], 'insp1').map((r) => r.id).sort()).toEqual([v.id, c.id].sort())
  })
})

describe('arrivals', () => {
  it('rings for the dispatch event only, however many events one write brings', () => {
    const r = row({ state: 'dispatched' })
    expect(isNewDispatch({ action: 'receive', to: 'received', owner: 'CMD' }, r, GN)).toBe(false)
    expect(isNewDispatch({ action: 'register', to: 'registered', owner: 'CMD' }, r, GN)).toBe(false)
    expect(isNewDispatch({ action: 'dispatch', to: 'dispatched', owner: GN }, r, GN)).toBe(true)
  })
  it('rings for a reassignment or a rework to the unit, not for another unit', () => {
    const r = row({ state: 'dispatched' })
    expect(isNewDispatch({ action: 'reassign', to: 'dispatched', owner: GN }, r, GN)).toBe(true)
    expect(isNewDispatch({ action: 'rework', to: 'dispatched', owner: GN }, r, GN)).toBe(true)
    expect(isNewDispatch({ action: 'reassign', to: 'dispatched', owner: SJ }, row({ owner: SJ }), GN)).toBe(false)
  })
  it('stays silent for a dispatch replayed after the case moved on', () => {
    expect(isNewDispatch({ action: 'dispatch', to: 'dispatched', owner: GN }, row({ state: 'in_progress' }), GN)).toBe(false)
    expect(isNewDispatch({ action: 'dispatch', to: 'dispatched', owner: GN }, undefined, GN)).toBe(false)
  })
  it('tells an inspector about a check assigned to them', () => {
    const r = row({ state: 'checking', owner: 'CMD', inspector: 'insp1' })
    expect(isNewInspection({ action: 'check', to: 'checking', detail: { inspector: 'insp1' } }, r, 'insp1')).toBe(true)
    expect(isNewInspection({ action: 'check', to: 'checking', detail: { inspector: 'insp2' } }, r, 'insp1')).toBe(false)
    expect(isNewInspection({ action: 'note', to: 'checking', detail: { text: 'x' } }, r, 'insp1')).toBe(false)
  })
})

describe('tone and counts', () => {
  const now = Date.parse('2026-12-04T10:00:00Z')
  it('is red past the deadline or when the hub marked it, amber at the warning', () => {
    expect(tone(row({ deadline: '2026-12-04T09:59:00Z' }), now)).toBe('overdue')
    expect(tone(row({ deadline: '2026-12-05T09:00:00Z', overdue: true }), now)).toBe('overdue')
    expect(tone(row({ deadline: '2026-12-04T11:00:00Z', warning: true }), now)).toBe('warning')
    expect(tone(row({ deadline: '2026-12-04T11:00:00Z' }), now)).toBe('')
  })
  it('shows no clock while the task waits on someone else', () => {
    const done = row({ state: 'resolved', deadline: '2026-12-04T09:00:00Z', overdue: true })
    expect(dueOf(done)).toBeUndefined()
    expect(tone(done, now)).toBe('')
    expect(tone(row({ state: 'suspended', deadline: '2026-12-04T09:00:00Z' }), now)).toBe('')
    expect(dueOf(row({ state: 'checking', deadline: '2026-12-04T09:00:00Z' }))).toBe('2026-12-04T09:00:00Z')
  })
  it('counts per state and overdue', () => {
    const c = counts([row({}), row({ state: 'in_progress', deadline: '2026-12-04T09:00:00Z' }), row({})], now)
    expect(c).toEqual({ dispatched: 2, in_progress: 1, overdue: 1 })
  })
  it('reads the address of a row from the case list too', () => {
    expect(rowAddress(row({ address: '东街' }))).toBe('东街')
    expect(rowAddress({ ...row({}), location: { address: '西街' } } as CaseRow)).toBe('西街')
  })
})
