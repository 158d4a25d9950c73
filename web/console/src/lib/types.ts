// What the hub serves, as the consoles read it (see /api/v1/openapi.json for the whole contract).

export interface Point {
  lat: number
  lng: number
}

export interface Contact {
  name?: string
  phone?: string
  email?: string
  openid?: string
}

export interface Account {
  login: string
  name: string
  role: string
  unit: string
  console?: string
  csrf_token?: string
  map_tiles?: string
  map_tiles_datum?: string
}

/** Limit is a length of time in one of the clocks' units (work_hour, work_day, natural_hour,
 * natural_minute). */
export interface Limit {
  value: number
  unit: string
}

/** Decision is an enforcement decision (执法决定) as resolve and legal_review record it. */
export interface Decision {
  kind: string
  amount?: number
  text: string
}

export interface ExtensionRequest {
  requested_by: string
  requested_at: string
  limit: Limit
  reason: string
}

/** CaseRow is a case as the live store keeps it: what the lists and queues need. */
export interface CaseRow {
  id: number
  number: string
  state: string
  owner: string
  unit?: string
  channel: string
  nature: string
  category: string
  jurisdiction: string
  address?: string
  point: Point
  deadline?: string
  overdue?: boolean
  warning?: boolean
  return_count?: number
  arbitration?: string
  extension?: ExtensionRequest | null
  suspension_pending?: boolean
  suspended_at?: string | null // while suspended, since when
  repeat_of?: string
  merged_into?: string
  inspector?: string
  created_at?: string
  updated_at?: string
  version?: number
  text?: string
  reporter?: Contact
}

/** Category is a category of the catalogue as GET /api/v1/reference serves it. */
export interface Category {
  code: string
  name: string
  name_en?: string
  group?: string
  group_name?: string
  aka?: string[] // the aliases people use for it
  handle_limit?: Limit
  route?: string // "territorial" or "unit:CODE"
  urgent?: boolean
  enforcement?: boolean
  extension?: { per_request: number; total: number } // in the handle limit's unit
}

export interface Unit {
  code: string
  name: string
  kind?: string
  jurisdiction?: string
}

/** Person is a member of staff as the hub names them to the consoles. */
export interface Person {
  login: string
  name: string
}

export interface Reference {
  /** the active inspectors: served to the command centre only, which assigns them */
  inspectors?: Person[]
  district: string
  authority: string
  units: Unit[]
  categories: Category[]
  natures: { code: string; name: string }[] | Record<string, string>
  labels: {
    states: Record<string, string>
    actions: Record<string, string>
    roles: Record<string, string>
    clocks: Record<string, string>
    decisions?: Record<string, string>
  }
}

/** StreamMessage is one websocket message of /api/v1/stream. */
export interface StreamMessage {
  id: number
  type: string
  case_id: number
  at: string
  data?: {
    case: Partial<CaseRow>
    action: string
    actor: { login: string; name: string; role: string; unit: string }
    from: string
    to: string
    owner: string
    reason: string
    detail: unknown
  }
}
