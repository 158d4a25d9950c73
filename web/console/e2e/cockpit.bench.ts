// Benchmark (issue 13): the leader's cockpit on a large store (target: first render, and any change
// of period or dimension, under one second with 1,000,000 cases over two years). The store is one
// the repository's seeding tool made beforehand:
//
//   go run ./cmd/seed --data /tmp/seed1m --cases 1000000 --days 730
//   CITYHUB_BENCH_STORE=/tmp/seed1m npx playwright test --project=bench cockpit
//
// Baseline from the same run: the same timings on a fresh demo hub with a handful of cases.
// Timings are taken inside the page (performance.now): from the navigation's start to the frame
// after every figure and the measures table are filled; from a click to the frame after the table
// (or the hot-spot list) shows the new answer.

import { Hub } from './hub'
import { test, expect, DESK, fileReport } from './helpers'
import { report, summary } from './bench'
import type { Browser, Page } from '@playwright/test'

const bigStore = process.env.CITYHUB_BENCH_STORE || ''
const rounds = 3

// signInAs opens a browser context signed in as the leader with the password given.
async function signInAs(browser: Browser, hub: string, login: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: DESK, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  await page.goto(`${hub}/login`)
  await page.locator('input[name="login"]').fill(login)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('input[name="password"]').press('Enter')
  await page.waitForURL(/\/console\/leader$/)
  return page
}

// ready is the time (ms after navigation start) of the frame after the figures and the measures
// table were first all filled.
async function firstRender(page: Page): Promise<number> {
  return page.evaluate(() => new Promise<number>((resolve) => {
    const done = () => {
      const kpis = [...document.querySelectorAll('[data-kpi]')]
      const rows = document.querySelectorAll('[data-measures-table] .el-table__body tr')
      return kpis.length === 7 && kpis.every((k) => (k.textContent || '').trim() !== '') && rows.length > 0
    }
    const finish = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))
    if (done()) return finish()
    const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); finish() } })
    mo.observe(document.body, { subtree: true, childList: true, characterData: true })
  }))
}

// afterClick clicks an element and answers the ms until the frame after `watch` changed: its
// data-loaded attribute (the query whose answer it shows) when it has one, else its text.
async function afterClick(page: Page, click: string, watch: string): Promise<number> {
  return page.evaluate(({ click, watch }) => new Promise<number>((resolve, reject) => {
    const target = () => {
      const el = document.querySelector(watch)
      return el?.getAttribute('data-loaded') ?? el?.textContent ?? ''
    }
    const before = target()
    const t0 = performance.now()
    const mo = new MutationObserver(() => {
      if (target() !== before) {
        mo.disconnect()
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)))
      }
    })
    mo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    const el = document.querySelector(click) as HTMLElement | null
    if (!el) return reject(new Error(`nothing to click at ${click}`))
    el.click()
    setTimeout(() => reject(new Error(`${watch} did not change within 30 s of clicking ${click}`)), 30_000)
  }), { click, watch })
}

const table = '[data-measures-panel]'
const steps: { name: string; click: string; watch: string }[] = [
  { name: 'period 本年', click: '[data-period="year"]', watch: table },
  { name: 'dimension 类别', click: '[data-dim="category"]', watch: table },
  { name: 'period 本周', click: '[data-period="week"]', watch: table },
  { name: 'dimension 街镇', click: '[data-dim="jurisdiction"]', watch: table },
  { name: 'period 今日', click: '[data-period="today"]', watch: table },
  { name: 'dimension 渠道', click: '[data-dim="channel"]', watch: table },
  { name: 'period 本月', click: '[data-period="month"]', watch: table },
  { name: 'dimension 单位', click: '[data-dim="unit"]', watch: table },
]

async function measure(browser: Browser, hub: Hub, password: string, label: string) {
  const signedIn = await signInAs(browser, hub.url, 'boss', password)
  const state = await signedIn.context().storageState()
  await signedIn.context().close()
  const context = await browser.newContext({ storageState: state, viewport: DESK, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const firsts: number[] = []
  for (let i = 0; i < rounds; i++) {
    await page.goto(`${hub.url}/console/leader`)
    firsts.push(await firstRender(page))
  }
  report(`cockpit first render, ${label}`, `${firsts.map((v) => v.toFixed(0)).join(' / ')} ms (first with an empty cache, then cached assets)`)
  const changes: string[] = []
  let worst = 0
  for (const s of steps) {
    const t = await afterClick(page, s.click, s.watch)
    worst = Math.max(worst, t)
    changes.push(`${s.name} ${t.toFixed(0)}`)
  }
  await page.getByRole('tab', { name: '热点地图' }).click()
  await expect(page.locator('[data-hotspot-map]')).toBeVisible()
  await page.waitForTimeout(300)
  for (const s of [{ name: 'hot spots 本年', click: '[data-period="year"]' }, { name: 'hot spots res 9', click: '[data-res="9"]' }, { name: 'hot spots 今日', click: '[data-period="today"]' }]) {
    const t = await afterClick(page, s.click, '[data-hotspot-summary]')
    worst = Math.max(worst, t)
    changes.push(`${s.name} ${t.toFixed(0)}`)
  }
  report(`cockpit changes, ${label}`, `${changes.join(', ')} ms; slowest ${worst.toFixed(0)} ms`)
  await context.close()
  return { firsts, worst }
}

test('the cockpit on a seeded store (baseline: a fresh demo hub)', async ({ browser }) => {
  const small = await Hub.start()
  try {
    for (let i = 0; i < 5; i++) await fileReport({ hub: small.url, via: 'api' })
    const pw = await small.cli('account', 'passwd', '--login', 'boss', '--generate')
    const base = await measure(browser, small, pw.split(/\s+/).pop()!, 'fresh demo hub (baseline)')
    expect(base.firsts.length).toBe(rounds)
  } finally {
    await small.stop()
  }
  if (!bigStore) {
    report('cockpit on a seeded store', 'skipped: set CITYHUB_BENCH_STORE to a store made by cmd/seed')
    return
  }
  const big = await Hub.start({ dataDir: bigStore })
  try {
    const pw = await big.cli('account', 'passwd', '--login', 'boss', '--generate')
    const loaded = await measure(browser, big, pw.split(/\s+/).pop()!, `seeded store ${bigStore}`)
    expect(loaded.firsts.length).toBe(rounds)
  } finally {
    await big.stop()
  }
})

// Live: from a report's 201 (the Node side's clock) to the frame in which the cockpit shows the new
// received count (the page's Date.now(): the same machine's clock), for reports filed one by one.
test('the cockpit follows reports live (201 to the figure on screen)', async ({ browser }) => {
  const hub = await Hub.start({ args: ['--open311-rate', '0'] })
  try {
    const key = await hub.apiKey('live-bench')
    const pw = (await hub.cli('account', 'passwd', '--login', 'boss', '--generate')).split(/\s+/).pop()!
    const page = await signInAs(browser, hub.url, 'boss', pw)
    await expect(page.locator('[data-link-state]')).toHaveAttribute('data-state', 'live')
    const received = page.locator('[data-kpi="received"]')
    const latencies: number[] = []
    for (let i = 0; i < 40; i++) {
      const before = Number(await received.innerText())
      // The watch is in place before the report is sent (an evaluate that returns once it is).
      await page.evaluate((want) => {
        const w = window as unknown as { __seenAt: number }
        w.__seenAt = 0
        const el = document.querySelector('[data-kpi="received"]')!
        const mo = new MutationObserver(() => {
          if (el.textContent === want) { mo.disconnect(); requestAnimationFrame(() => (w.__seenAt = Date.now())) }
        })
        mo.observe(el, { subtree: true, childList: true, characterData: true })
      }, String(before + 1))
      const form = new URLSearchParams({ api_key: key, service_code: '0501', lat: '28.95', long: '106.60', description: `驾驶舱实时 ${i}` })
      const res = await fetch(`${hub.url}/open311/v2/requests.json`, { method: 'POST', body: form })
      const answered = Date.now()
      expect(res.status).toBe(201)
      await page.waitForFunction(() => (window as unknown as { __seenAt: number }).__seenAt > 0, null, { timeout: 30_000 })
      latencies.push((await page.evaluate(() => (window as unknown as { __seenAt: number }).__seenAt)) - answered)
    }
    report('cockpit live: Open311 201 to the received figure on screen', summary(latencies))
    await page.context().close()
  } finally {
    await hub.stop()
  }
})
