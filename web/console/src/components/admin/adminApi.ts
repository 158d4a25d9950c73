// The admin API's answers (every one carries `warnings`: the calendar warning among them).
import { shallowRef } from 'vue'
import { api } from '../../lib/api'

export const adminWarnings = shallowRef<string[]>([])

/** adminCall calls the admin API and keeps the warnings it answers for the banner. */
export async function adminCall<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const out = await api<T & { warnings?: string[] }>(method, `/api/v1/admin/${path}`, body)
  if (out && Array.isArray(out.warnings)) adminWarnings.value = out.warnings
  return out
}

export interface Certificate { number: string; valid_until: string; scope: string }
export interface AdminAccount {
  login: string; name: string; role: string; unit: string; disabled?: boolean
  certificate?: Certificate | null; created_at?: string
}

/** accountPayload is what the form sends: a certificate only when its number is filled in. */
export function accountPayload(f: AdminAccount): Record<string, unknown> {
  const out: Record<string, unknown> = { login: f.login.trim(), name: f.name.trim(), role: f.role, unit: f.unit }
  out.certificate = f.certificate && f.certificate.number.trim() ? { ...f.certificate, number: f.certificate.number.trim() } : null
  return out
}

/** needsCertificate: the roles that take enforcement acts carry a law-enforcement certificate. */
export const needsCertificate = (role: string) => role === 'team_lead' || role === 'officer'

/** daysOf lists the days of holiday ranges [from, to] (inclusive), for the calendar grid. */
export function daysOf(ranges: [string, string][]): Set<string> {
  const out = new Set<string>()
  for (const [from, to] of ranges) {
    for (let t = Date.parse(from + 'T00:00:00Z'); t <= Date.parse(to + 'T00:00:00Z'); t += 86400e3) {
      out.add(new Date(t).toISOString().slice(0, 10))
    }
  }
  return out
}

/** rangesOf groups days into consecutive ranges, the form the hub takes holidays in. */
export function rangesOf(days: Iterable<string>): [string, string][] {
  const sorted = [...new Set(days)].sort()
  const out: [string, string][] = []
  for (const d of sorted) {
    const last = out[out.length - 1]
    if (last && Date.parse(d + 'T00:00:00Z') - Date.parse(last[1] + 'T00:00:00Z') === 86400e3) last[1] = d
    else out.push([d, d])
  }
  return out
}
