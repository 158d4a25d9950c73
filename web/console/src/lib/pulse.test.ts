import { afterEach, describe, expect, it, vi } from 'vitest'
import { Pulse } from './pulse'

// FakeSocket stands for the browser's WebSocket: the test opens, sends and closes it by hand.
class FakeSocket {
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  closed = false
  constructor(readonly url: string) {}
  close() { this.closed = true }
  send(msg: object) { this.onmessage?.({ data: JSON.stringify(msg) }) }
}

function setup(refresh: () => Promise<number>) {
  const sockets: FakeSocket[] = []
  const pulse = new Pulse({
    url: (since) => `/api/v1/stream?since=${since}`,
    refresh,
    socket: (u) => { const s = new FakeSocket(u); sockets.push(s); return s as unknown as WebSocket },
  })
  return { pulse, sockets }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

afterEach(() => vi.useRealTimers())

describe('Pulse', () => {
  it('loads, then streams from the id the load included', async () => {
    const { pulse, sockets } = setup(async () => 41)
    await pulse.start()
    expect(sockets[0].url).toMatch(/\/api\/v1\/stream\?since=41$/)
    pulse.stop()
  })

  it('coalesces a burst of events into one more load, and ignores ids it already has', async () => {
    let loads = 0
    let release: () => void = () => {}
    const { pulse, sockets } = setup(() => {
      loads++
      if (loads === 1) return Promise.resolve(10)
      return new Promise<number>((r) => { release = () => r(10 + loads) })
    })
    await pulse.start()
    const ws = sockets[0]
    ws.send({ id: 9 }) // older than the figures: nothing to do
    expect(loads).toBe(1)
    ws.send({ id: 11 }) // starts a load at once
    expect(loads).toBe(2)
    ws.send({ id: 12 })
    ws.send({ id: 13 })
    ws.send({ type: 'stream.live', id: 13 })
    expect(loads).toBe(2) // one in flight: the rest wait for it
    release()
    await flush()
    await flush()
    expect(loads).toBe(3) // exactly one more for the three that came meanwhile
    release()
    await flush()
    expect(loads).toBe(3)
    pulse.stop()
  })

  it('reloads before it reconnects after a drop', async () => {
    vi.useFakeTimers()
    let loads = 0
    const { pulse, sockets } = setup(async () => { loads++; return 100 + loads })
    await pulse.start()
    sockets[0].onclose?.({ code: 1006 })
    expect(pulse.status.link).toBe('offline')
    await vi.advanceTimersByTimeAsync(600)
    expect(loads).toBe(2)
    expect(sockets[1].url).toMatch(/since=102$/)
    pulse.stop()
  })

  it('keeps retrying while the hub does not answer the load', async () => {
    vi.useFakeTimers()
    let fail = true
    const { pulse, sockets } = setup(async () => { if (fail) throw new Error('down'); return 5 })
    await pulse.start()
    expect(sockets.length).toBe(0)
    expect(pulse.status.error).toBe('down')
    fail = false
    await vi.advanceTimersByTimeAsync(600)
    expect(sockets.length).toBe(1)
    expect(pulse.status.error).toBe('')
    pulse.stop()
  })
})
