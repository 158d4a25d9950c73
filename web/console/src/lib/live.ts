// The live store: every case the signed-in person may see, kept current by the hub's stream.
//
// It starts from a snapshot (GET /api/v1/console/snapshot: the rows and the id of the last event
// they include), then opens the websocket stream with since=that id and applies each event's case
// row when it is newer than the one held. After any drop (network, hub restart, a laptop waking up)
// it reconnects with since=the last id it applied, so nothing is missed and nothing is applied twice.
// There is no polling: a timer only notices that the machine slept (its ticks arrive late) and then
// reconnects at once, since a socket that slept may be dead without knowing it.

import { shallowReactive, shallowRef, triggerRef } from 'vue'
import { ApiError, get } from './api'
import type { CaseRow, StreamMessage } from './types'

export type LinkState = 'connecting' | 'catching_up' | 'live' | 'offline'

export interface Snapshot {
  last_event_id: number
  cases: CaseRow[]
}

type Listener = (msg: StreamMessage, row: CaseRow | undefined) => void

// Close codes of the stream (web/stream/message.go).
const closeUnauthorized = 4001
const closeBeyondEnd = 4004

/** applyRow merges an event's case row into the one held, if the event is newer. */
export function applyRow(rows: Map<number, CaseRow>, caseId: number, incoming: Partial<CaseRow>, at?: string): CaseRow | undefined {
  const held = rows.get(caseId)
  if (held && incoming.version !== undefined && held.version !== undefined && incoming.version <= held.version) {
    return undefined // an event the snapshot already includes
  }
  const row = { ...(held || {}), ...incoming, id: caseId } as CaseRow
  if (at && !incoming.updated_at) row.updated_at = at
  if (!row.created_at) row.created_at = at
  rows.set(caseId, row)
  return row
}

export class LiveStore {
  /** rows by case id; read through `revision` so that computed lists follow changes. */
  readonly rows = new Map<number, CaseRow>()
  readonly revision = shallowRef(0)
  readonly status = shallowReactive({ link: 'connecting' as LinkState, lastId: 0, since: '' as string, error: '' })
  private socket: WebSocket | null = null
  private retry = 0
  private retryTimer = 0
  private watchdog = 0
  private listeners = new Set<Listener>()
  private stopped = false
  private snapshotPath: string

  constructor(snapshotPath = '/api/v1/console/snapshot', private onUnauthorized: () => void = () => {}) {
    this.snapshotPath = snapshotPath
  }

  /** start loads the snapshot and opens the stream. */
  async start() {
    this.stopped = false
    await this.reload()
    this.connect()
    window.addEventListener('online', this.reconnectNow)
    document.addEventListener('visibilitychange', this.onVisible)
    this.watchSleep()
  }

  stop() {
    this.stopped = true
    window.removeEventListener('online', this.reconnectNow)
    document.removeEventListener('visibilitychange', this.onVisible)
    clearInterval(this.watchdog)
    clearTimeout(this.retryTimer)
    this.socket?.close(1000)
    this.socket = null
  }

  /** subscribe calls fn for every event applied live; it returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  list(): CaseRow[] {
    void this.revision.value
    return [...this.rows.values()]
  }

  /** reload replaces what is held with a fresh snapshot. */
  async reload() {
    const snap = await this.snapshot()
    this.rows.clear()
    for (const c of snap.cases) this.rows.set(c.id, c)
    this.status.lastId = snap.last_event_id
    triggerRef(this.revision)
  }

  // snapshot reads the rows; a hub without the snapshot route (older than the consoles) gives its
  // open cases through the list, and the stream replays from the start (versions drop repeats).
  private async snapshot(): Promise<Snapshot> {
    try {
      return await get<Snapshot>(this.snapshotPath)
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e
      const page = await get<{ cases: CaseRow[] }>('/api/v1/cases?open=true&limit=1000')
      return { last_event_id: 0, cases: page.cases }
    }
  }

  private connect() {
    if (this.stopped) return
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/stream?since=${this.status.lastId}`)
    this.socket = ws
    this.status.link = 'catching_up'
    ws.onmessage = (e) => this.receive(JSON.parse(e.data) as StreamMessage)
    ws.onclose = (e) => this.closed(ws, e)
  }

  private receive(msg: StreamMessage) {
    if (msg.type.startsWith('stream.')) {
      if (msg.type === 'stream.live') {
        this.status.link = 'live'
        this.retry = 0
      }
      return
    }
    if (msg.id <= this.status.lastId) return
    this.status.lastId = msg.id
    const row = msg.data ? applyRow(this.rows, msg.case_id, msg.data.case, msg.at) : undefined
    if (row) triggerRef(this.revision)
    for (const fn of this.listeners) fn(msg, row)
  }

  private async closed(ws: WebSocket, e: CloseEvent) {
    if (ws !== this.socket || this.stopped) return
    this.socket = null
    this.status.link = 'offline'
    this.status.since = new Date().toISOString()
    if (e.code === closeUnauthorized) {
      this.onUnauthorized()
      return
    }
    if (e.code === closeBeyondEnd) {
      await this.reload().catch(() => {})
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect() {
    clearTimeout(this.retryTimer)
    const delay = Math.min(15000, 500 * 2 ** this.retry)
    this.retry++
    this.retryTimer = window.setTimeout(() => this.connect(), delay)
  }

  /** reconnectNow drops the socket (dead or not) and opens a new one at once. */
  readonly reconnectNow = () => {
    if (this.stopped) return
    clearTimeout(this.retryTimer)
    const old = this.socket
    this.socket = null
    if (old) {
      old.onclose = null
      old.onmessage = null
      old.close()
    }
    this.retry = 0
    this.connect()
  }

  private readonly onVisible = () => {
    if (document.visibilityState === 'visible' && this.status.link === 'offline') this.reconnectNow()
  }

  // watchSleep notices a machine that slept: a 5-second tick that comes more than 15 seconds late.
  private watchSleep() {
    let last = Date.now()
    this.watchdog = window.setInterval(() => {
      const now = Date.now()
      if (now - last > 20000) this.reconnectNow()
      last = now
    }, 5000)
  }
}
