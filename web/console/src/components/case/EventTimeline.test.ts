import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import EventTimeline from './EventTimeline.vue'
import type { HubEvent } from '../../lib/caseData'

const h = (c: string) => c.repeat(64)
const ev = (seq: number, action: string, prev: string, hash: string, over: Partial<HubEvent> = {}): HubEvent => ({
  id: seq, seq, action, prev_hash: prev, hash, at: '2026-12-04T01:30:00Z',
  actor: { login: 'gn-lead', name: '古南大队队长', role: 'team_lead', unit: 'QJ-GN-DD' }, ...over,
})
const history = () => [
  ev(1, 'receive', '', h('a'), { data: { text: '占道经营' } }),
  ev(2, 'return', h('a'), h('b'), { reason: '不属于本辖区', data: { unit: 'QJ-GN-DD', returns: 1 } }),
  ev(3, 'note', h('b'), h('c'), { data: { text: '已联系' } }),
]

describe('EventTimeline', () => {
  it('lists the events newest first with actor, reason and Beijing time, each marked verified', () => {
    const w = mount(EventTimeline, { props: { events: history(), lastHash: h('c') } })
    const items = w.findAll('[data-event-action]')
    expect(items.map((i) => i.attributes('data-event-action'))).toEqual(['note', 'return', 'receive'])
    expect(items[1].text()).toContain('古南大队队长')
    expect(items[1].text()).toContain('理由：不属于本辖区')
    expect(items[1].text()).toContain('2026/12/04 09:30:00') // 01:30 UTC is 09:30 in Beijing
    expect(w.findAll('[data-chain-ok="true"]')).toHaveLength(3)
    expect(w.find('[data-chain="ok"]').exists()).toBe(true)
  })

  it('warns when the chain breaks and marks the event where it does', () => {
    const evs = history()
    evs[2].prev_hash = h('x')
    const w = mount(EventTimeline, { props: { events: evs, lastHash: h('c') } })
    expect(w.find('[data-chain="broken"]').exists()).toBe(true)
    expect(w.find('[data-chain="ok"]').exists()).toBe(false)
    const bad = w.findAll('[data-chain-ok="false"]')
    expect(bad).toHaveLength(1)
    expect(bad[0].attributes('data-event-action')).toBe('note')
  })
})
