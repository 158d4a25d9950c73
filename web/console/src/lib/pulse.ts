// The pulse: a page that shows figures (the leader's cockpit, the hall's display screen) does not
// keep cases; it reloads its figures from the hub when the stream says something changed.
//
// It loads first (refresh answers the id of the last event the figures include), then opens the
// websocket from that id. Each event message asks for a refresh; refreshes are coalesced so that
// one runs at a time and a burst of events costs at most two loads, the first starting at once
// (no debounce delay: a figure moves as soon as its load returns). After any drop it reloads
// before it reconnects, since what happened while it was away is in the figures, not in a
// backlog it would have to replay. Nothing polls: a timer only notices that the machine slept.

import { shallowReactive } from 'vue'

export type PulseLink = 'connecting' | 'live' | 'offline'

export interface PulseOptions {
  /** the websocket URL (path and query) to open after a load that included events up to since */
  url: (since: number) => string
  /** loads the figures; answers the id of the last event they include (0 if unknown) */
  refresh: () => Promise<number>
  /** the hub refused the credentials (close 4001): the page signs in again */
  onUnauthorized?: () => void
  /** constructor of the socket, for tests */
  socket?: (url: string) => WebSocket
}

const closeUnauthorized = 4001
const sleepTick = 5000
const sleptAfter = 20000

export class Pulse {
  readonly status = shallowReactive({ link: 'connecting' as PulseLink, lastId: 0, error: '', refreshes: 0 })
  private ws: WebSocket | null = null
  private retry = 0
  private retryTimer = 0
  private watchdog = 0
  private stopped = false
  private inFlight: Promise<void> | null = null
  private dirty = false

  constructor(private readonly opts: PulseOptions) {}

  async start() {
    this.stopped = false
    window.addEventListener('online', this.reconnectNow)
    this.watchSleep()
    await this.open()
  }

  stop() {
    this.stopped = true
    window.removeEventListener('online', this.reconnectNow)
    clearInterval(this.watchdog)
    clearTimeout(this.retryTimer)
    this.drop()
  }

  /** refreshSoon reloads now, or once more after the load in flight. */
  refreshSoon(): Promise<void> {
    if (this.inFlight) {
      this.dirty = true
      return this.inFlight
    }
    this.inFlight = this.load().finally(() => {
      this.inFlight = null
      if (this.dirty && !this.stopped) {
        this.dirty = false
        void this.refreshSoon()
      }
    })
    return this.inFlight
  }

  private async load() {
    try {
      const id = await this.opts.refresh()
      this.status.refreshes++
      if (id > this.status.lastId) this.status.lastId = id
      this.status.error = ''
    } catch (e) {
      this.status.error = String((e as Error)?.message || e)
    }
  }

  private async open() {
    if (this.stopped) return
    this.status.link = 'connecting'
    await this.refreshSoon()
    if (this.stopped) return
    if (this.status.error) return this.scheduleReconnect() // the hub is not answering yet
    const make = this.opts.socket || ((u: string) => new WebSocket(u))
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = make(`${proto}//${location.host}${this.opts.url(this.status.lastId)}`)
    this.ws = ws
    ws.onopen = () => {
      this.status.link = 'live'
      this.retry = 0
    }
    ws.onmessage = (e) => this.receive(e.data)
    ws.onclose = (e) => this.closed(ws, e)
  }

  private receive(data: string) {
    let msg: { id?: number; type?: string }
    try {
      msg = JSON.parse(data)
    } catch {
      return
    }
    if (msg.type?.startsWith('stream.')) return // control messages carry no change
    if (typeof msg.id === 'number' && msg.id <= this.status.lastId) return // already in the figures
    if (typeof msg.id === 'number') this.status.lastId = msg.id
    void this.refreshSoon()
  }

  private closed(ws: WebSocket, e: CloseEvent) {
    if (ws !== this.ws || this.stopped) return
    this.ws = null
    this.status.link = 'offline'
    if (e.code === closeUnauthorized) {
      this.opts.onUnauthorized?.()
      return
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect() {
    clearTimeout(this.retryTimer)
    this.status.link = 'offline'
    const delay = Math.min(15000, 500 * 2 ** this.retry)
    this.retry++
    this.retryTimer = window.setTimeout(() => void this.open(), delay)
  }

  private drop() {
    const old = this.ws
    this.ws = null
    if (old) {
      old.onclose = null
      old.onmessage = null
      old.onopen = null
      old.close()
    }
  }

  /** reconnectNow drops the socket (dead or not) and reloads and reconnects at once. */
  readonly reconnectNow = () => {
    if (this.stopped) return
    clearTimeout(this.retryTimer)
    this.drop()
    this.retry = 0
    void this.open()
  }

  // watchSleep notices a machine that slept: a 5-second tick that comes more than 15 seconds late.
  private watchSleep() {
    let last = Date.now()
    this.watchdog = window.setInterval(() => {
      const now = Date.now()
      if (now - last > sleptAfter) this.reconnectNow()
      last = now
    }, sleepTick)
  }
}
