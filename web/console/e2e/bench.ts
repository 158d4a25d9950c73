// What the browser benchmarks share: timings taken inside the page (performance.now(), the page's
// own clock), percentiles, seeding a district with open cases, and printing figures for
// docs/benchmarks.md. Benchmarks print; they assert only that they measured something.

import type { Page } from '@playwright/test'

/** percentile by nearest rank (p in 0..100) of a list of numbers. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/** summary is "n=100 p50 12.3 ms p90 ... p99 ... max ..." of a list of milliseconds. */
export function summary(xs: number[]): string {
  const f = (v: number) => `${v.toFixed(1)} ms`
  return `n=${xs.length} p50 ${f(percentile(xs, 50))}  p90 ${f(percentile(xs, 90))}  p99 ${f(percentile(xs, 99))}  max ${f(Math.max(...xs))}`
}

/** report prints one figure for docs/benchmarks.md, recognisable in the run's output. */
export function report(name: string, text: string) {
  console.log(`BENCH ${name}: ${text}`)
}

// Points in the district's urban streets (the load test's), each routed to a bureau unit.
const areas = [
  [28.93, 28.99, 106.58, 106.64],
  [28.9, 28.96, 106.64, 106.7],
  [29.06, 29.11, 106.6, 106.66],
]
const codes = ['0501', '0504', '0505', '0102', '0301']

/**
 * seed files n reports through Open311 (key from the CLI, the hub started with --open311-rate 0),
 * `workers` at a time: each one routed and dispatched at once, so each is an open case.
 */
export async function seed(hub: string, key: string, n: number, workers = 8): Promise<void> {
  let next = 0
  let failed = 0
  const one = async () => {
    while (next < n) {
      next++
      const a = areas[next % areas.length]
      const form = new URLSearchParams({
        api_key: key,
        service_code: codes[next % codes.length],
        lat: (a[0] + Math.random() * (a[1] - a[0])).toFixed(6),
        long: (a[2] + Math.random() * (a[3] - a[2])).toFixed(6),
        description: `基准测试：第 ${next} 件`,
      })
      const res = await fetch(`${hub}/open311/v2/requests.json`, { method: 'POST', body: form })
      if (res.status !== 201) failed++
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: workers }, one))
  if (failed) throw new Error(`seeding: ${failed} of ${n} reports refused`)
}

/**
 * instrument installs, before any of the page's scripts run, the clocks the benchmarks read:
 * - window.__rows: when each `data-case-id` was first in the DOM (a MutationObserver: its callback
 *   runs right after the DOM change, before paint); window.__firstRow, the first of them, and
 *   window.__firstFrame, when the frame that shows it was done;
 * - window.__ws: for each stream message about a case, when the application's handler started
 *   (`at`) and when it was applied (`applied`): after the handler and the microtasks it queued
 *   (Vue's re-render), with the layout that follows; the handler is wrapped (onmessage or a
 *   message listener), so other tasks do not count.
 */
export async function instrument(page: Page) {
  await page.addInitScript(() => {
    type Entry = { number: string; type: string; at: number; applied: number }
    type Win = typeof window & { __rows: Map<string, number>; __firstRow: number; __firstFrame: number; __ws: Entry[] }
    const w = window as Win
    w.__rows = new Map()
    w.__firstRow = 0
    w.__firstFrame = 0
    w.__ws = []
    const seen = (el: Element) => {
      const n = el.getAttribute('data-case-id')
      if (!n) return
      const now = performance.now()
      if (!w.__rows.has(n)) w.__rows.set(n, now)
      if (!w.__firstRow) {
        w.__firstRow = now
        requestAnimationFrame(() => setTimeout(() => (w.__firstFrame = performance.now()), 0))
      }
    }
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes' && r.target instanceof Element) seen(r.target)
        r.addedNodes.forEach((node) => {
          if (!(node instanceof Element)) return
          if (node.hasAttribute('data-case-id')) seen(node)
          node.querySelectorAll('[data-case-id]').forEach(seen)
        })
      }
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-case-id'] })

    // timed runs a message handler and records how long the page took to apply the message.
    const timed = (e: MessageEvent, run: () => void) => {
      let number = ''
      let type = ''
      try {
        const msg = JSON.parse(e.data) as { type?: string; data?: { case?: { number?: string } } }
        number = msg.data?.case?.number || ''
        type = msg.type || ''
      } catch {
        // not JSON: not ours to time
      }
      const at = performance.now()
      run()
      if (!number) return
      const entry: Entry = { number, type, at, applied: 0 }
      w.__ws.push(entry)
      queueMicrotask(() => {
        document.body.getBoundingClientRect() // the layout of what the handler changed
        entry.applied = performance.now()
      })
    }
    const Native = window.WebSocket
    class Timed extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols)
        let handler: ((e: MessageEvent) => unknown) | null = null
        super.addEventListener('message', (e) => handler && timed(e, () => handler!.call(this, e)))
        Object.defineProperty(this, 'onmessage', { configurable: true, get: () => handler, set: (fn) => (handler = fn) })
      }
      addEventListener(type: string, fn: EventListenerOrEventListenerObject, opts?: boolean | AddEventListenerOptions) {
        if (type !== 'message' || typeof fn !== 'function') return super.addEventListener(type, fn, opts)
        super.addEventListener(type, (e) => timed(e as MessageEvent, () => fn.call(this, e)), opts)
      }
    }
    window.WebSocket = Timed
  })
}
