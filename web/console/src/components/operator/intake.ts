// The operator's form as data: what the fields hold, what the hub is sent (POST /api/v1/complaints),
// what must be filled before sending, and where the hub's complaints about a field are shown.

import type { Point } from '../../lib/types'

export type Datum = 'wgs84' | 'gcj02' | 'bd09'

export const datums: { value: Datum; label: string }[] = [
  { value: 'wgs84', label: 'WGS-84（GPS、地图点选）' },
  { value: 'gcj02', label: 'GCJ-02（高德、腾讯、微信）' },
  { value: 'bd09', label: 'BD-09（百度）' },
]

/** IntakeForm is what the operator fills in for one call. lat/lng are in `datum`: typed
 * coordinates keep the datum the caller read them in, the hub converts them. */
export interface IntakeForm {
  nature: string
  category: string
  text: string
  answer: string // an inquiry's answer, given on the spot
  place: string // the location field's text: a place searched for, or typed coordinates
  lat: number | null
  lng: number | null
  datum: Datum
  address: string
  name: string
  phone: string
  nonPublic: boolean
}

export type FormField = keyof IntakeForm | 'location'
export type FieldErrors = Partial<Record<FormField, string>>

export const emptyForm = (): IntakeForm => ({
  nature: 'complaint', category: '', text: '', answer: '', place: '', lat: null, lng: null, datum: 'wgs84',
  address: '', name: '', phone: '', nonPublic: false,
})

/** An inquiry (咨询) is answered and closed at intake: the lifecycle's `answer` action. */
export const isInquiry = (f: Pick<IntakeForm, 'nature'>) => f.nature === 'inquiry'

/** ComplaintPayload is the body of POST /api/v1/complaints (the hub refuses unknown fields). */
export interface ComplaintPayload {
  channel: 'hotline'
  nature: string
  category: string
  text: string
  lat: number
  lng: number
  datum: Datum
  address?: string
  reporter?: { name?: string; phone?: string }
  non_public?: boolean
  call?: CallRef // the telephone call the report is taken on
}

/** CallRef names the call a report is taken on and its recording. */
export interface CallRef {
  id: string
  recording?: string
}

/** normalisePhone keeps digits and a leading +: the caller history matches numbers exactly, so a
 * number is stored and looked up in one spelling whatever spaces or dashes the operator typed. */
export function normalisePhone(s: string): string {
  const t = s.trim()
  return (t.startsWith('+') ? '+' : '') + t.replace(/\D/g, '')
}

/** phoneForLookup is the number to look the caller up by, once it is long enough to be one (a
 * local number has 7 or 8 digits, a mobile 11): shorter prefixes would only ask for nothing. */
export function phoneForLookup(s: string): string | null {
  const p = normalisePhone(s)
  return p.replace('+', '').length >= 7 ? p : null
}

/** toComplaint builds the hub's body; empty optional fields are left out rather than sent empty. */
export function toComplaint(f: IntakeForm): ComplaintPayload {
  const body: ComplaintPayload = {
    channel: 'hotline', nature: f.nature, category: f.category, text: f.text.trim(),
    lat: f.lat as number, lng: f.lng as number, datum: f.datum,
  }
  const address = f.address.trim()
  if (address) body.address = address
  const name = f.name.trim()
  const phone = normalisePhone(f.phone)
  if (name || phone) body.reporter = { ...(name && { name }), ...(phone && { phone }) }
  if (f.nonPublic) body.non_public = true
  return body
}

/** checkForm names what is missing before anything is sent, in the operator's words. */
export function checkForm(f: IntakeForm): FieldErrors {
  const errs: FieldErrors = {}
  if (!f.category) errs.category = '请选择事件类别（可输入名称、别名或编码）'
  if (!f.text.trim()) errs.text = '请填写诉求描述'
  if (isInquiry(f) && !f.answer.trim()) errs.answer = '咨询直接办结须填写答复内容'
  if (f.lat === null || f.lng === null) errs.location = '请确定位置：地图点选、搜索地名或输入坐标'
  const digits = normalisePhone(f.phone).replace('+', '')
  if (f.phone.trim() && (digits.length < 5 || digits.length > 20)) errs.phone = '电话号码应为 5 到 20 位数字'
  return errs
}

// China lies within these latitudes and longitudes, which do not overlap: typed coordinates can be
// read in either order ("lat,lng" from a GPS, "lng,lat" as AMap and most Chinese GIS write them).
const chinaLat = (v: number) => v >= 3 && v <= 54
const chinaLng = (v: number) => v >= 73 && v <= 136

/** parseCoordinates reads typed coordinates: two decimal numbers separated by a comma (ASCII or
 * full-width), semicolon or spaces, in either order inside China, optionally followed by the datum
 * (wgs84, gcj02, bd09). It answers null for anything else, which is then a place name. */
export function parseCoordinates(s: string): (Point & { datum?: Datum }) | null {
  const m = s.trim().match(/^(-?\d{1,3}(?:\.\d+)?)\s*[,，;；\s]\s*(-?\d{1,3}(?:\.\d+)?)(?:\s*[,，\s]\s*(wgs84|gcj02|bd09))?$/i)
  if (!m) return null
  const a = Number(m[1])
  const b = Number(m[2])
  const datum = m[3]?.toLowerCase() as Datum | undefined
  let p: Point
  if (chinaLat(a) && chinaLng(b)) p = { lat: a, lng: b }
  else if (chinaLng(a) && chinaLat(b)) p = { lat: b, lng: a }
  else if (Math.abs(a) <= 90 && Math.abs(b) <= 180) p = { lat: a, lng: b }
  else return null
  return datum ? { ...p, datum } : p
}

/** addressOf is the address a picked place gives the report: the gazetteer's street (or the
 * jurisdiction) followed by the place's name, "古南街道綦江公园"; a jurisdiction is its own name. */
export function addressOf(hit: { type: string; name: string; address?: string; jurisdiction_name?: string }): string {
  if (hit.type !== 'place') return hit.name
  const street = hit.address || hit.jurisdiction_name || ''
  return street.endsWith(hit.name) ? street : `${street}${hit.name}`
}

/** fieldOf is the form field that shows the hub's complaint about `field` (ApiError.field) in a
 * step of filing; '' when none does (the message is then shown above the form). */
export function fieldOf(field: string, code: string, step: 'file' | 'answer' | 'merge'): FormField | '' {
  if (code === 'outside') return 'location' // a point outside the district names no field
  if (step === 'answer') return field === 'text' ? 'answer' : ''
  if (step === 'merge') return ''
  const fields: Record<string, FormField> = {
    nature: 'nature', category: 'category', text: 'text', address: 'address', datum: 'datum',
    lat: 'location', lng: 'location', 'reporter.name': 'name', 'reporter.phone': 'phone',
  }
  return fields[field] || ''
}
