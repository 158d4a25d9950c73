// Names and times as the consoles show them: the hub's own Chinese labels, Beijing time.

import { reference } from './session'

export const stateLabel = (s: string) => reference.value?.labels.states[s] || s
export const actionLabel = (a: string) => reference.value?.labels.actions[a] || a
export const roleLabel = (r: string) => reference.value?.labels.roles[r] || r

export function categoryName(code: string): string {
  return reference.value?.categories.find((c) => c.code === code)?.name || code
}

export function unitName(code: string | undefined): string {
  if (!code) return ''
  const u = reference.value?.units.find((x) => x.code === code)
  return u ? (u as { short?: string }).short || u.name : code
}

const channelNames: Record<string, string> = {
  hotline: '热线', wechat: '微信', web: '网站', open311: 'Open311', inspector: '监督员上报',
}
export const channelName = (c: string) => channelNames[c] || c

const beijing = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
})

/** shortTime is "12/04 09:30" in Beijing time. */
export function shortTime(iso: string | undefined): string {
  if (!iso) return ''
  return beijing.format(new Date(iso))
}

/** countdown says how long is left until a deadline ("剩 2小时05分", "超时 35分"). */
export function countdown(deadline: string | undefined, now: number): string {
  if (!deadline) return ''
  let ms = new Date(deadline).getTime() - now
  const late = ms < 0
  ms = Math.abs(ms)
  const mins = Math.floor(ms / 60000)
  const d = Math.floor(mins / 1440)
  const h = Math.floor((mins % 1440) / 60)
  const m = mins % 60
  const text = d > 0 ? `${d}天${h}小时` : h > 0 ? `${h}小时${String(m).padStart(2, '0')}分` : `${m}分`
  return late ? `超时 ${text}` : `剩 ${text}`
}

/** isToday reports whether an instant falls on today's date in Beijing. */
export function isToday(iso: string | undefined, now = Date.now()): boolean {
  if (!iso) return false
  const day = (t: number) => new Date(t + 8 * 3600e3).toISOString().slice(0, 10)
  return day(new Date(iso).getTime()) === day(now)
}

/** inspectorName is an inspector's name, when the hub named the inspectors to this console. */
export function inspectorName(login: string | undefined): string {
  if (!login) return ''
  return reference.value?.inspectors?.find((p) => p.login === login)?.name || login
}
