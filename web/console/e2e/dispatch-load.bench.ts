// Benchmark (issue 12): the dispatch console with 5,000 open cases (targets: first render under
// 1.5 s, a live event applied in under 50 ms). The district is filled through Open311 (every report
// routed and dispatched at once: an open case each), then the dispatcher's console is opened:
// - first render: from the navigation's start to the first case row in the DOM (the rows come from
//   the snapshot only), and the frame after it; the snapshot's own fetch is shown beside it; with an
//   empty cache and with the assets cached (a signed-in dispatcher opening the console, not the
//   sign-in before it);
// - a live event: from the stream message's arrival to the end of the task that applied it (the
//   console's handler, Vue's re-render, the layout), for each event of 20 reports filed one by one.
// Baseline from the same run: the same measures with 10 open cases.

import { Hub } from './hub'
import { test, expect, DESK, type ConsoleOptions } from './helpers'
import { instrument, report, seed, summary } from './bench'
import type { Browser, Page } from '@playwright/test'

const big = Number(process.env.BENCH_CASES || 5000)
const small = 10
const liveReports = 20
let hub: Hub
let key: string

test.beforeAll(async () => {
  hub = await Hub.start({ args: ['--open311-rate', '0'] })
  key = await hub.apiKey('bench')
})
test.afterAll(async () => {
  await hub?.stop()
})

/** firstRender reads the clocks of a console's load: when the snapshot was asked for and received,
 * when the first case row entered the DOM and when the frame showing it was done (ms after the
 * navigation's start). */
async function firstRender(page: Page) {
  await page.waitForFunction(() => (window as unknown as { __firstFrame: number }).__firstFrame > 0, null, { timeout: 60_000 })
  return page.evaluate(() => {
    const w = window as unknown as { __firstRow: number; __firstFrame: number }
    const snap = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => /\/api\/v1\/(console\/snapshot|cases\?)/.test(e.name) && e.responseStatus === 200)
      .pop()
    return { row: w.__firstRow, frame: w.__firstFrame, asked: snap ? snap.startTime : NaN, got: snap ? snap.responseEnd : NaN,
      bytes: snap ? snap.encodedBodySize : 0, rows: document.querySelectorAll('[data-case-id]').length }
  })
}

type Render = Awaited<ReturnType<typeof firstRender>>
const ms = (v: number) => `${v.toFixed(0)} ms`
const describe = (r: Render) =>
  `first row ${ms(r.row)}, its frame ${ms(r.frame)} after navigation start (snapshot asked at ${ms(r.asked)}, ` +
  `received at ${ms(r.got)}, ${(r.bytes / 1024).toFixed(0)} KB on the wire); ${r.rows} rows in the DOM`

// measure opens the dispatcher's console as a signed-in dispatcher opens it: first with an empty
// cache (a new browser profile holding only the session cookie), then reloaded (the hashed assets
// cached, as every later day); then times live events on it.
async function measure(browser: Browser, openConsole: (login: string, o?: ConsoleOptions) => Promise<Page>, label: string) {
  const signedIn = await openConsole('disp1', { hub: hub.url })
  const context = await browser.newContext({ storageState: await signedIn.context().storageState(), viewport: DESK, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  await signedIn.context().close()
  const page = await context.newPage()
  await instrument(page)
  await page.goto(`${hub.url}/console/dispatch`)
  const cold = await firstRender(page)
  report(`dispatch first render, ${label}, empty cache`, describe(cold))
  await page.reload()
  const warm = await firstRender(page)
  report(`dispatch first render, ${label}, cached assets`, describe(warm))

  await expect(page.locator('[data-link-state]')).toHaveAttribute('data-state', 'live')
  const applied: number[] = []
  for (let i = 0; i < liveReports; i++) {
    const number = await fileOne(i)
    await page.waitForFunction(
      (n) => {
        const ws = (window as unknown as { __ws: { number: string; type: string; applied: number }[] }).__ws
        return ws.some((m) => m.number === n && m.type === 'case.dispatched' && m.applied > 0)
      },
      number,
      { timeout: 10_000 },
    )
    const times = await page.evaluate(
      (n) => (window as unknown as { __ws: { number: string; at: number; applied: number }[] }).__ws
        .filter((m) => m.number === n && m.applied > 0).map((m) => m.applied - m.at),
      number,
    )
    applied.push(...times)
  }
  report(`dispatch live event applied, ${label}`, summary(applied))
  await context.close()
  return { cold, warm }
}

async function fileOne(i: number): Promise<string> {
  const form = new URLSearchParams({ api_key: key, service_code: '0501', lat: '28.95', long: '106.60', description: `实时事件 ${i}` })
  const res = await fetch(`${hub.url}/open311/v2/requests.json`, { method: 'POST', body: form })
  expect(res.status).toBe(201)
  return ((await res.json()) as { service_request_id: string }[])[0].service_request_id
}

test(`the dispatch console with ${big} open cases (baseline: ${small})`, async ({ browser, openConsole }) => {
  await seed(hub.url, key, small)
  const base = await measure(browser, openConsole, `${small} open cases (baseline)`)
  const started = Date.now()
  await seed(hub.url, key, big - small - liveReports)
  report('seeding', `${big - small - liveReports} reports through Open311 in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const loaded = await measure(browser, openConsole, `${big} open cases`)
  expect(base.warm.row).toBeGreaterThan(0)
  expect(loaded.warm.rows).toBeGreaterThan(0)
})
