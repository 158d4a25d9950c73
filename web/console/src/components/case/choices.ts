// The choices the action dialogs offer, from the reference data: the bureau's handling units for
// a dispatch, reassignment or ruling (never the command centre, never an outside agency, as
// dispatcher/effects.go requires), the outside agencies for a transfer, and the inspectors.

import type { Person } from '../../lib/types'
import { reference } from '../../lib/session'
import { live } from '../../lib/useLive'
import type { CaseAnswer } from '../../lib/caseData'

export interface UnitChoice {
  code: string
  label: string
  group: string
}

interface RefUnit {
  code: string
  name: string
  short?: string
  kind?: string
}

const groupNames: Record<string, string> = {
  street_brigade: '街道执法大队', street_team: '街道执法队', special_squad: '专业执法队',
  town_office: '镇综合行政执法办', external_agency: '外部机关和单位',
}
const groupOrder = ['street_brigade', 'street_team', 'special_squad', 'town_office', 'external_agency']

const units = () => (reference.value?.units || []) as RefUnit[]

function choice(u: RefUnit, routed?: string): UnitChoice {
  const name = u.short || u.name
  return { code: u.code, label: u.code === routed ? `${name}（路由推荐）` : name, group: groupNames[u.kind || ''] || '其他单位' }
}

const rank = (u: RefUnit) => {
  const i = groupOrder.indexOf(u.kind || '')
  return i < 0 ? groupOrder.length : i
}

/** bureauUnits are the units a case may be dispatched to, grouped by kind, the routed one first. */
export function bureauUnits(routed?: string): UnitChoice[] {
  return units()
    .filter((u) => u.kind !== 'command_center' && u.kind !== 'external_agency')
    .sort((a, b) => Number(b.code === routed) - Number(a.code === routed) || rank(a) - rank(b))
    .map((u) => choice(u, routed))
}

/** externalUnits are the authorities and agencies a case may be transferred to. */
export function externalUnits(): UnitChoice[] {
  return units().filter((u) => u.kind === 'external_agency').map((u) => choice(u))
}

/** groupUnits puts consecutive choices of one group together, for the picker's option groups. */
export function groupUnits(list: UnitChoice[]): { group: string; items: UnitChoice[] }[] {
  const out: { group: string; items: UnitChoice[] }[] = []
  for (const u of list) {
    const last = out[out.length - 1]
    if (last && last.group === u.group) last.items.push(u)
    else out.push({ group: u.group, items: [u] })
  }
  return out
}

export type { Person }

/**
 * inspectorChoices are the inspectors the dialog offers: the reference data's list when the hub
 * serves one (`inspectors: [{login, name}]`, asked of the console API in TEAM.md), plus every
 * inspector this console has seen: those who acted on the case, and those assigned to cases in the
 * live store. The field beside the list takes any login; the hub checks it is an active inspector.
 */
export function inspectorChoices(detail?: CaseAnswer): Person[] {
  const out = new Map<string, string>()
  const listed = reference.value?.inspectors || []
  for (const p of listed) out.set(p.login, p.name || p.login)
  for (const ev of detail?.events || []) {
    if (ev.actor.role === 'inspector' && !out.has(ev.actor.login)) out.set(ev.actor.login, ev.actor.name || ev.actor.login)
  }
  if (detail?.case.inspector && !out.has(detail.case.inspector)) out.set(detail.case.inspector, detail.case.inspector)
  for (const r of live.rows.values()) if (r.inspector && !out.has(r.inspector)) out.set(r.inspector, r.inspector)
  return [...out].map(([login, name]) => ({ login, name })).sort((a, b) => a.login.localeCompare(b.login))
}
