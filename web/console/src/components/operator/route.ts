// The router's answer in the operator's words: which rule decided the owner, and what filing will do.

import { unitName } from '../../lib/format'
import type { Outcome } from './filing'

/** ruleLabel reads the router's rule ("territorial", "category:0302 -> unit:QJ-ZTDD",
 * "authority:万盛经开区 -> EXT-WS") as the centre speaks of it. */
export function ruleLabel(rule: string): string {
  if (!rule || rule === 'territorial') return '属地管理'
  const [from, to = ''] = rule.split('->').map((s) => s.trim())
  const target = unitName(to.replace(/^unit:/, ''))
  if (from.startsWith('category:')) return `类别专管：${from.slice(9)} → ${target}`
  if (from.startsWith('authority:')) return `区外辖区：${from.slice(10)} → ${target}`
  return rule
}

const outcomes: Record<Outcome, { label: string; type: 'success' | 'warning' | 'info' }> = {
  dispatch: { label: '提交即自动派遣', type: 'success' },
  transfer: { label: '提交即自动移交', type: 'warning' },
  centre: { label: '留指挥中心处理', type: 'info' },
}

export const outcomeTag = (o: Outcome | undefined) => (o && outcomes[o]) || { label: '', type: 'info' as const }
