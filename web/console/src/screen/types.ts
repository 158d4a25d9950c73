// GET /api/v1/screen: aggregates for the public display. No names, phones, texts or addresses.
import type { HotspotCell } from '../lib/measures'

export interface ScreenFigures { received: number; closed: number; closure_rate: number | null }

export interface ScreenAnswer {
  district: string
  authority: string
  generated_at: string
  last_event_id?: number
  today: ScreenFigures
  year: ScreenFigures
  channels: { channel: string; name: string; today: number; year: number }[]
  categories: { category: string; name: string; today: number; year: number }[]
  recent_closed: { number: string; category_name: string; jurisdiction_name: string; closed_at: string }[]
  cells: { res: number; cells: HotspotCell[] }
  daily: { day: string; received: number; closed: number }[]
}
