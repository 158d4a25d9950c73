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
 * - window.__rows: when each `data-case-id` was first in the DOM (a MutationObserver; its callback
 *   runs right after the DOM change, before paint);
 * - window.__ws: for each stream message about a case, when it arrived (a listener added before the
 *   application's, so it runs first), and when the page was done with it: a task queued from that
 *   listener runs after the application's handler and the microtasks it left (Vue's re-render),
 *   and reads the layout, so that time includes applying the event to the DOM and laying it out.
 */
export async function instrument(page: Page) {
  await page.addInitScript(() => {
    type Win = typeof window & {
      __rows: Map<string, number>
      __firstRow: number
      __ws: { number: string; type: string; at: number; applied: number }[]
    }
    const w = window as Win
    w.__rows = new Map()
    w.__firstRow = 0
    w.__ws = []
    const seen = (el: Element) => {
      const n = el.getAttribute('data-case-id')
      if (n && !w.__rows.has(n)) w.__rows.set(n, performance.now())
      if (n && !w.__firstRow) w.__firstRow = performance.now()
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

    const Native = window.WebSocket
    class Timed extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols)
        this.addEventListener('message', (e: MessageEvent) => {
          const at = performance.now()
          let msg: { type?: string; data?: { case?: { number?: string } } }
          try {
            msg = JSON.parse(e.data)
          } catch {
            return
          }
          const number = msg.data?.case?.number
          if (!number) return
          const entry = { number, type: msg.type || '', at, applied: 0 }
          w.__ws.push(entry)
          const ch = new MessageChannel()
          ch.port1.onmessage = () => {
            document.body.getBoundingClientRect() // the layout of what the handler changed
            entry.applied = performance.now()
          }
          ch.port2.postMessage(0)
        })
      }
    }
    window.WebSocket = Timed
  })
}
