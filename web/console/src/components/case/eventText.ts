// What an event's data says, in a line or two for the timeline: the unit it went to, the inspector,
// the text written, the time granted, the decision... read from the keys dispatcher/effects.go and
// the scheduler write. Keys it does not know are left out rather than shown raw.

import { categoryName, channelName, stateLabel, unitName } from '../../lib/format'
import { reference } from '../../lib/session'
import { fullTime, limitText, satisfactionNames, type HubEvent, type Limit } from '../../lib/caseData'

type Data = Record<string, unknown>

const str = (x: unknown) => (typeof x === 'string' ? x : '')

function decisionLine(d: unknown): string {
  if (!d || typeof d !== 'object') return ''
  const { kind, amount, text } = d as { kind?: string; amount?: number; text?: string }
  const name = (kind && reference.value?.labels.decisions?.[kind]) || kind || ''
  return `执法决定：${name}${amount ? ` ${amount} 元` : ''}${text ? `（${text}）` : ''}`
}

const clockName = (c: unknown) => (typeof c === 'string' && reference.value?.labels.clocks[c]) || str(c)

/** eventLines are the lines of an event's detail, without its reason (shown apart). */
export function eventLines(ev: HubEvent): string[] {
  const d: Data = ev.data || {}
  const out: string[] = []
  const push = (s: string) => s && out.push(s)
  switch (ev.action) {
    case 'receive':
      push(str(d.text))
      if (d.repeat_of) push(`疑似重复：与 ${str(d.repeat_of)} 相同`)
      break
    case 'join':
      push(`${channelName(str(d.channel))}来件，相距 ${Math.round(Number(d.distance_m) || 0)} 米，第 ${(Number(d.seq) || 0) + 1} 位反映人`)
      push(str(d.text))
      break
    case 'register':
      if (d.category) push(`类别：${categoryName(str(d.category))}`)
      break
    case 'dispatch':
    case 'arbitrate':
    case 'reassign':
      if (d.from_unit) push(`由 ${unitName(str(d.from_unit))} 改派`)
      push(`承办单位：${unitName(str(d.unit))}`)
      if (d.handle_by) push(`处置时限：${fullTime(str(d.handle_by))}`)
      break
    case 'transfer':
      push(`移交：${unitName(str(d.unit))}`)
      break
    case 'return':
      push(`${unitName(str(d.unit))} 回退，累计 ${Number(d.returns) || 0} 次${d.arbitration ? '，进入仲裁' : ''}`)
      break
    case 'rework':
      push(`返工：${unitName(str(d.unit))}，第 ${Number(d.reworks) || 0} 次`)
      break
    case 'acknowledge':
      push(d.on_time === false ? '超时签收' : '按时签收')
      break
    case 'verify':
    case 'check':
      if (d.inspector) push(`监督员：${str(d.inspector)}`)
      break
    case 'extend_request':
      push(`申请延期 ${limitText(d.limit as Limit)}`)
      break
    case 'extend_approve':
      push(`延期 ${limitText(d.limit as Limit)}，新时限 ${fullTime(str(d.deadline))}`)
      break
    case 'resume':
      if (d.deadline) push(`新时限 ${fullTime(str(d.deadline))}`)
      break
    case 'resolve':
      push(str(d.result))
      push(decisionLine(d.decision))
      break
    case 'legal_review':
      push(decisionLine(d.decision))
      push(d.approved ? '审核结论：同意' : '审核结论：不同意')
      push(str(d.opinion))
      break
    case 'answer':
      push(str(d.answer))
      break
    case 'record_reply':
      push(`对方答复：${str(d.reply)}`)
      break
    case 'merge':
      push(`合并到 ${str(d.into)}${d.distance_m !== undefined ? `（相距 ${d.distance_m} 米）` : ''}`)
      break
    case 'follow_up':
      push(`满意度：${satisfactionNames[str(d.satisfaction)] || str(d.satisfaction)}`)
      push(str(d.text))
      if (d.review === 'pending') push('转值班长复核')
      break
    case 'uphold':
      push('复核结论：维持办结')
      break
    case 'reopen':
      if (d.review === 'reopened') push('复核结论：重新办理')
      break
    case 'set_publication':
      push(d.publication === 'public' ? '设为公开' : '设为不公开')
      break
    case 'reveal_contact':
      push('查看了诉求人联系方式')
      break
    case 'deadline_warning':
    case 'overdue':
      push(`${clockName(d.clock)}：${fullTime(str(d.deadline))}`)
      break
    default:
      push(str(d.text))
  }
  return out
}

/** transition is "已派遣 → 处置中" when the event moved the case. */
export function transition(ev: HubEvent): string {
  if (!ev.to || ev.from === ev.to) return ''
  return ev.from ? `${stateLabel(ev.from)} → ${stateLabel(ev.to)}` : stateLabel(ev.to)
}
