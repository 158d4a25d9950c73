// The inspector's patrol report (监督员上报): the category list as a patrol uses it (the most
// frequent first, searchable by name, alias or code) and the request that files it. Pure, tested.

import { noMatch, normalise, rankOf, type CatalogueItem } from '../categories'
import type { CaseRow, Point } from '../types'

export type PatrolCategory = CatalogueItem

export type PositionSource = 'gps' | 'map' | 'photo'

export interface PatrolPosition {
  point: Point // WGS-84
  accuracy?: number // metres, for a phone fix
  source: PositionSource
}

export interface PatrolDraft {
  category: string
  text: string
  address: string
  position: PatrolPosition | null
  media: string[] // uploaded photos' SHA-256
  photosPending: boolean // a photo is still uploading or failed
  externalId: string
}

/** PatrolRequest is the body of POST /api/v1/complaints for the inspector channel. */
export interface PatrolRequest {
  channel: 'inspector'
  category: string
  text: string
  lat: number
  lng: number
  datum: 'wgs84'
  address?: string
  media?: string[]
  external_id: string
}

/** Filed is a report the hub accepted, as the patrol screen remembers it. */
export interface Filed {
  number: string
  category: string
  state: string
  unit?: string
  at: string
  duplicate: boolean
}

/** buildPatrol checks the draft and makes the request, or says in Chinese what is missing. */
export function buildPatrol(d: PatrolDraft): { request: PatrolRequest; errors: [] } | { request: null; errors: string[] } {
  const errors: string[] = []
  if (!d.category) errors.push('请选择问题类别')
  if (!d.position) errors.push('还没有位置：请等待定位，或在地图上选点')
  if (d.photosPending) errors.push('照片还在上传（或上传失败，请重试或删除）')
  const text = d.text.trim()
  if (!text && d.media.length === 0) errors.push('请拍照或写几句描述')
  if (errors.length || !d.position) return { request: null, errors }
  const req: PatrolRequest = {
    channel: 'inspector', category: d.category, text, datum: 'wgs84', external_id: d.externalId,
    lat: round6(d.position.point.lat), lng: round6(d.position.point.lng),
  }
  if (d.address.trim()) req.address = d.address.trim()
  if (d.media.length) req.media = [...d.media]
  return { request: req, errors: [] }
}

// Six decimals are about 0.1 m: more than a phone knows, and the hub stores what it is given.
const round6 = (x: number) => Math.round(x * 1e6) / 1e6

/** newExternalId names one draft, so that a report re-sent after a dropped answer is filed once
 * (the hub answers the earlier case for a repeated channel + external_id). */
export function newExternalId(login: string, rand: () => string = randomId): string {
  return `patrol-${login}-${rand()}`.slice(0, 128)
}

// getRandomValues, unlike randomUUID, works on a page served over plain HTTP too.
function randomId(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** rankCategories: the categories that match, best match first, then the most used, then by code. */
// The match is the operator's (lib/categories.ts: exact, then code, name and alias prefixes, then
// inside the name or an alias, then the group); among equal matches the most used come first.
export function rankCategories<C extends PatrolCategory>(cats: C[], usage: Record<string, number>, query: string): C[] {
  const q = normalise(query)
  return cats
    .map((c) => ({ c, rank: rankOf(c, q).rank }))
    .filter((x) => x.rank !== noMatch)
    .sort((a, b) => a.rank - b.rank || (usage[b.c.code] || 0) - (usage[a.c.code] || 0) || a.c.code.localeCompare(b.c.code))
    .map((x) => x.c)
}

/** usageOf weighs what this inspector filed (kept on the phone) well above what patrols in the
 * district report (the inspector-channel cases the console holds). */
export function usageOf(own: Record<string, number>, rows: CaseRow[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of rows) if (r.channel === 'inspector') out[r.category] = (out[r.category] || 0) + 1
  for (const [code, n] of Object.entries(own)) out[code] = (out[code] || 0) + n * 100
  return out
}

const usageKey = (login: string) => `cityhub.patrol.usage.${login}`

export function loadUsage(login: string, store: Pick<Storage, 'getItem'> = localStorage): Record<string, number> {
  try {
    const v = JSON.parse(store.getItem(usageKey(login)) || '{}')
    return v && typeof v === 'object' ? v : {}
  } catch {
    return {}
  }
}

export function recordUse(login: string, code: string, store: Pick<Storage, 'getItem' | 'setItem'> = localStorage) {
  const u = loadUsage(login, store)
  u[code] = (u[code] || 0) + 1
  try { store.setItem(usageKey(login), JSON.stringify(u)) } catch { /* private mode: no memory */ }
}

/** accuracyText says how good a phone fix is, in words a patrol reads at a glance. */
export function accuracyText(p: PatrolPosition | null): string {
  if (!p) return ''
  if (p.source === 'map') return '地图选点'
  if (p.source === 'photo') return '照片拍摄位置'
  if (p.accuracy === undefined) return '手机定位'
  const m = Math.round(p.accuracy)
  return `手机定位 ±${m} 米${m > 100 ? '（精度差，可在地图上校正）' : ''}`
}
