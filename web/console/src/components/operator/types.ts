// What the console API answers the operator's console (TEAM.md "Console API"; the consoleapi branch).

import type { CaseRow, Contact, Point } from '../../lib/types'
import type { Outcome } from './filing'

export interface Routing {
  outcome: string // the router's: unit or transfer
  unit: string
  jurisdiction: string
  jurisdiction_name: string
  authority: string
  cell: string
  exact: boolean
  rule: string
  explanation: string
}

/** RoutePreview is GET /api/v1/route: who would own the report, and what filing it would do. */
export interface RoutePreview {
  point: Point // WGS-84
  routing: Routing
  unit_name: string
  outcome: Outcome
  note: string
}

/** NearbyRow is a row of GET /api/v1/cases/nearby: an open case of the category close by. */
export type NearbyRow = CaseRow & { distance_m: number; reporters: number }

export interface NearbyAnswer {
  radius_m: number
  days: number
  cases: NearbyRow[]
}

/** PlaceHit is an answer of GET /api/v1/places: a jurisdiction or a place of the gazetteer. */
export interface PlaceHit {
  type: 'jurisdiction' | 'place'
  id: string
  name: string
  kind: string
  kind_name: string
  matched?: string
  point: Point // WGS-84
  jurisdiction: string
  jurisdiction_name: string
  address?: string
}

/** HistoryCase is a case of GET /api/v1/cases (the full case: its place is under location). */
export interface HistoryCase {
  id: number
  number: string
  state: string
  owner: string
  nature: string
  category: string
  text?: string
  location: { point: Point; address?: string }
  routing?: Routing
  reporter?: Contact
  created_at: string
}
