import { describe, expect, it } from 'vitest'
import type { CaseRow } from '../../lib/types'
import { byUrgency, classify, emptyFilter, latest, matcher, queuesOf, sameRows, type QueueKey } from './queues'

let n = 0
const row = (over: Partial<CaseRow> & Record<string, unknown> = {}): CaseRow => {
  n++
  return {
    id: n, number: `QJ20261204${String(n).padStart(6, '0')}`, state: 'dispatched', owner: 'QJ-GN-DD', unit: 'QJ-GN-DD',
    channel: 'hotline', nature: 'complaint', category: '0501', jurisdiction: 'QJ-GN', point: { lat: 28.95, lng: 106.6 },
    version: 3, created_at: '2026-12-04T01:00:00Z', updated_at: '2026-12-04T01:00:00Z', ...over,
  } as CaseRow
}

// The table: a row as the live store holds it -> every queue it must be in.
const table: [string, Partial<CaseRow> & Record<string, unknown>, QueueKey[]][] = [
  ['a report just received', { state: 'received', owner: 'CMD', unit: '' }, ['verify', 'all']],
  ['a report being verified', { state: 'verifying', owner: 'CMD', inspector: 'insp1' }, ['verify', 'all']],
  ['registered, never dispatched', { state: 'registered', owner: 'CMD', return_count: 0 }, ['dispatch', 'all']],
  ['returned once, back at the centre', { state: 'registered', owner: 'CMD', return_count: 1 }, ['returned', 'all']],
  ['returned twice: arbitration', { state: 'registered', owner: 'CMD', return_count: 2, arbitration: 'pending' }, ['arbitration', 'all']],
  ['ruled and dispatched again: only the unit works on it', { state: 'dispatched', return_count: 2, arbitration: 'ruled' }, ['all']],
  ['returned once, dispatched again', { state: 'dispatched', return_count: 1 }, ['all']],
  ['dispatched, waiting for the unit', { state: 'dispatched' }, ['all']],
  ['in progress', { state: 'in_progress' }, ['all']],
  ['an extension asked for', { state: 'in_progress', extension: { requested_by: 'gn-lead', requested_at: '2026-12-04T02:00:00Z', limit: { value: 1, unit: 'work_day' }, reason: '需协调' } }, ['requests', 'all']],
  ['a suspension asked for', { state: 'in_progress', suspension_pending: true }, ['requests', 'all']],
  ['suspended (the row of the console API)', { state: 'suspended', suspended_at: '2026-12-04T03:00:00Z' }, ['requests', 'all']],
  ['transferred to an agency', { state: 'transferred', owner: 'EXT-PSB', unit: 'EXT-PSB' }, ['transferred', 'all']],
  ['resolved, no inspector yet', { state: 'resolved' }, ['check', 'all']],
  ['checking by an inspector', { state: 'checking', owner: 'CMD', inspector: 'insp1' }, ['check', 'all']],
  ['in progress and warned', { state: 'in_progress', warning: true }, ['warning', 'all']],
  ['in progress and overdue', { state: 'in_progress', overdue: true }, ['overdue', 'all']],
  ['overdue and warned: red only', { state: 'in_progress', overdue: true, warning: true }, ['overdue', 'all']],
  ['registered and overdue', { state: 'registered', owner: 'CMD', overdue: true }, ['dispatch', 'overdue', 'all']],
  ['an extension asked for on an overdue case', { state: 'in_progress', overdue: true, extension: { requested_by: 'x', requested_at: '', limit: { value: 1, unit: 'work_day' }, reason: 'r' } }, ['requests', 'overdue', 'all']],
  ['a flag left from an older write: the state decides (arbitrated, dispatched)', { state: 'dispatched', return_count: 2, arbitration: 'pending' }, ['all']],
  ['an extension left on a resolved case', { state: 'resolved', extension: { requested_by: 'x', requested_at: '', limit: { value: 1, unit: 'work_day' }, reason: 'r' } }, ['check', 'all']],
  ['closed today', { state: 'closed', owner: '' }, []],
  ['answered', { state: 'answered', owner: '' }, []],
  ['merged', { state: 'merged', owner: '', merged_into: 'QJ1' }, []],
  ['voided, even if it was overdue', { state: 'voided', owner: '', overdue: true }, []],
  ['rejected', { state: 'rejected', owner: '' }, []],
]

describe('queuesOf', () => {
  it.each(table)('%s', (_name, over, want) => {
    expect([...queuesOf(row(over))].sort()).toEqual([...want].sort())
  })

  it('reads a full case from the case list (the live store\'s fallback): clocks instead of flags', () => {
    const late = { state: 'in_progress', overdue: undefined, clocks: { handling: { limit: { value: 1, unit: 'work_day' }, started_at: '', deadline: '2026-12-04T10:00:00Z', overdue: true, warned: true } } }
    expect([...queuesOf(row(late))].sort()).toEqual(['all', 'overdue'])
    const warned = { state: 'in_progress', clocks: { handling: { limit: { value: 1, unit: 'work_day' }, started_at: '', deadline: '2026-12-04T10:00:00Z', warned: true } } }
    expect([...queuesOf(row(warned))].sort()).toEqual(['all', 'warning'])
    const stopped = { state: 'resolved', clocks: { handling: { limit: { value: 1, unit: 'work_day' }, started_at: '', deadline: '', overdue: true, stopped_at: '2026-12-04T09:00:00Z' } } }
    expect(queuesOf(row(stopped))).toEqual(['check', 'all'])
  })
})

describe('classify', () => {
  it('counts every queue in one pass over the rows', () => {
    const rows = table.map(([, over]) => row(over))
    const q = classify(rows)
    const counts = Object.fromEntries(Object.entries(q).map(([k, v]) => [k, v.length]))
    expect(counts).toEqual({
      verify: 2, dispatch: 2, returned: 1, arbitration: 1, requests: 4, warning: 1, overdue: 4, transferred: 1, check: 3, review: 0, all: 22,
    })
  })

  it('keeps 5,000 open cases quick', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row({ state: ['registered', 'dispatched', 'in_progress', 'resolved'][i % 4], overdue: i % 7 === 0, deadline: new Date(Date.UTC(2026, 11, 4) + i * 60000).toISOString() }))
    const t0 = performance.now()
    const q = classify(rows)
    byUrgency(q.all)
    expect(q.all.length).toBe(5000)
    expect(performance.now() - t0).toBeLessThan(200) // generous: about 5 ms on a laptop
  })
})

describe('byUrgency', () => {
  it('puts overdue first, then the nearest deadline, then the oldest report', () => {
    const late2 = row({ overdue: true, deadline: '2026-12-04T09:00:00Z' })
    const late1 = row({ overdue: true, deadline: '2026-12-04T08:00:00Z' })
    const soon = row({ deadline: '2026-12-04T10:00:00Z' })
    const later = row({ deadline: '2026-12-05T10:00:00Z' })
    const none = row({ deadline: undefined, created_at: '2026-12-04T00:00:00Z' })
    const noneNewer = row({ deadline: undefined, created_at: '2026-12-04T05:00:00Z' })
    const got = byUrgency([noneNewer, later, none, soon, late2, late1])
    expect(got.map((r) => r.id)).toEqual([late1, late2, soon, later, none, noneNewer].map((r) => r.id))
  })
})

describe('sameRows', () => {
  it('tells a list that changed from one that did not', () => {
    const [a, b] = [row(), row()]
    expect(sameRows([a, b], [a, b])).toBe(true)
    expect(sameRows([a, b], [b, a])).toBe(false)
    expect(sameRows([a, b], [a, { ...b }])).toBe(false)
    expect(sameRows([a], [a, b])).toBe(false)
  })
})

describe('a row replaced by the live store', () => {
  it('is classified and ordered by its new fields', () => {
    const r = row({ state: 'registered', owner: 'CMD', deadline: '2026-12-04T10:00:00Z' })
    const other = row({ state: 'registered', owner: 'CMD', deadline: '2026-12-04T11:00:00Z' })
    expect(queuesOf(r)).toContain('dispatch')
    expect(byUrgency([other, r])[0]).toBe(r)
    const moved = { ...r, state: 'dispatched', deadline: '2026-12-04T12:00:00Z' } // applyRow makes a new object
    expect(queuesOf(moved)).toEqual(['all'])
    expect(byUrgency([moved, other])[0]).toBe(other)
  })
})

describe('latest', () => {
  it('keeps the n rows changed last, newest first', () => {
    const rows = [3, 9, 1, 7, 5].map((h) => row({ updated_at: `2026-12-04T0${h}:00:00Z` }))
    expect(latest(rows, 3).map((r) => r.updated_at)).toEqual(['2026-12-04T09:00:00Z', '2026-12-04T07:00:00Z', '2026-12-04T05:00:00Z'])
    expect(latest(rows, 10)).toHaveLength(5)
  })
})

describe('matcher', () => {
  const names: Record<string, string> = { 'QJ-GN': '古南街道', 'QJ-SJ': '三江街道' }
  const rows = [
    row({ number: 'QJ20261204000101', address: '綦江大道 88 号', text: '占道经营' }),
    row({ number: 'QJ20261204000202', jurisdiction: 'QJ-SJ', unit: 'QJ-SJ-DD', owner: 'QJ-SJ-DD', category: '0102', address: '滨江路' }),
    row({ number: 'QJ20261204000303', state: 'registered', owner: 'CMD', unit: '', location: { address: '文龙街道九龙大道' }, address: undefined }),
  ]
  const pick = (over: Partial<ReturnType<typeof emptyFilter>>) =>
    rows.filter(matcher({ ...emptyFilter(), ...over }, (c) => names[c] || '')).map((r) => r.number.slice(-3))
  it('finds by part of the number', () => expect(pick({ number: '0202' })).toEqual(['202']))
  it('finds by place words in the address, the jurisdiction\'s name and the description', () => {
    expect(pick({ place: '三江' })).toEqual(['202'])
    expect(pick({ place: '綦江大道 占道' })).toEqual(['101'])
    expect(pick({ place: '九龙' })).toEqual(['303'])
  })
  it('filters by category, unit (handling or owning) and jurisdiction', () => {
    expect(pick({ category: '0102' })).toEqual(['202'])
    expect(pick({ unit: 'QJ-SJ-DD' })).toEqual(['202'])
    expect(pick({ jurisdiction: 'QJ-GN' })).toEqual(['101', '303'])
  })
})
