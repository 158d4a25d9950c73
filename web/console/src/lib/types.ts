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

export interface ExtensionRequest {
  requested_by: string
  requested_at: string
  limit: { value: number; unit: string }
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
  repeat_of?: string
  merged_into?: string
  inspector?: string
  created_at?: string
  updated_at?: string
  version?: number
  text?: string
  reporter?: Contact
}

export interface CaseEvent {
  id: number
  seq?: number
  action: string
  from?: string
  to?: string
  owner?: string
  reason?: string
  at: string
  actor: { login: string; name?: string; role: string; unit: string }
  detail?: unknown
  hash?: string
  prev_hash?: string
}

export interface CaseDetail {
  case: CaseRow & {
    reporter?: Contact
    routing?: { jurisdiction?: string; rule?: string; explanation?: string; cell?: string }
    media?: string[]
    clocks?: Record<string, unknown>
    returns?: Record<string, number>
    last_hash?: string
  }
  events: CaseEvent[]
  actions: string[]
}

export interface Category {
  code: string
  name: string
  group?: string
  aliases?: string[]
  nature?: string
}

export interface Unit {
  code: string
  name: string
  kind?: string
  jurisdiction?: string
}

export interface Reference {
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
