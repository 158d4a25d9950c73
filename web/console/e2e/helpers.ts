// What the browser tests share: signing in, filing reports and acting on cases through the API,
// waiting for a case's row (`data-case-id`, the consoles' contract), proving that no page reloaded,
// and a photo made on the spot. `test` is Playwright's with one fixture, `openConsole`, that opens
// a signed-in console in a browser context of its own (one person, one browser).

import { test as base, expect, type Browser, type Page, type ViewportSize } from '@playwright/test'
import { demoPassword } from './hub'

/** The hub the global setup started. */
export const hubURL = () => must('CITYHUB_E2E_URL')
export const apiKey = () => must('CITYHUB_E2E_APIKEY')

function must(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set: run the tests with playwright.config.ts (its global setup starts the hub)`)
  return v
}

/** The console each demo account lands on (the sessions contract in TEAM.md). */
export const landing: Record<string, string> = {
  op1: '/console/operator',
  disp1: '/console/dispatch',
  lead1: '/console/dispatch',
  legal1: '/console/dispatch',
  'gn-lead': '/console/team',
  'gn-1': '/console/team',
  'gn-aux': '/console/team',
  insp1: '/console/inspector',
  boss: '/console/leader',
  admin: '/console/admin',
}

/** Points inside 古南街道 (古南大队's) and 三江街道 (三江大队's), WGS-84. */
export const GUNAN = { lat: 28.95, lng: 106.6 }
export const SANJIANG = { lat: 28.9433, lng: 106.6703 }
/** More points the router gives to 古南大队 (the district's borders are irregular: checked by hand). */
export const GUNAN_POINTS = [
  GUNAN, { lat: 28.945, lng: 106.59 }, { lat: 28.945, lng: 106.61 }, { lat: 28.965, lng: 106.61 },
  { lat: 28.975, lng: 106.6 }, { lat: 28.975, lng: 106.61 }, { lat: 28.965, lng: 106.62 },
]

/** Phone and desk sizes the consoles are judged at. */
export const PHONE: ViewportSize = { width: 360, height: 740 }
export const DESK: ViewportSize = { width: 1366, height: 768 }

// ---- the API, from Node (bearer tokens) ----

const tokens = new Map<string, string>()

/** token signs a demo account in through POST /api/v1/login (once per hub and account). */
export async function token(login: string, hub = hubURL()): Promise<string> {
  const key = `${hub} ${login}`
  const held = tokens.get(key)
  if (held) return held
  const res = await fetch(`${hub}/api/v1/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password: demoPassword }),
  })
  if (!res.ok) throw new Error(`sign-in of ${login}: HTTP ${res.status} ${await res.text()}`)
  const t = ((await res.json()) as { token: string }).token
  tokens.set(key, t)
  return t
}

/** call is one JSON API request as a demo account; it fails the test on any answer but 2xx. */
export async function call<T = unknown>(login: string, method: string, path: string, body?: unknown, hub = hubURL()): Promise<T> {
  const res = await fetch(`${hub}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await token(login, hub)}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${login} ${method} ${path}: HTTP ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

export interface Report {
  at?: { lat: number; lng: number }
  category?: string
  text?: string
  address?: string
  /** 'api': POST /api/v1/complaints as op1 (a hotline call); 'open311': a citizen's app */
  via?: 'api' | 'open311'
  hub?: string
  key?: string
}

/** fileReport files a report and answers its case number. */
export async function fileReport(r: Report = {}): Promise<string> {
  const at = r.at || GUNAN
  const category = r.category || '0501'
  const text = r.text || '测试：人行道流动摊贩占道经营'
  const hub = r.hub || hubURL()
  if (r.via === 'open311') {
    const form = new URLSearchParams({
      api_key: r.key || apiKey(), service_code: category, lat: String(at.lat), long: String(at.lng), description: text,
    })
    const res = await fetch(`${hub}/open311/v2/requests.json`, { method: 'POST', body: form })
    if (res.status !== 201) throw new Error(`Open311 report: HTTP ${res.status} ${await res.text()}`)
    return ((await res.json()) as { service_request_id: string }[])[0].service_request_id
  }
  const body = { channel: 'hotline', category, text, address: r.address || '测试地址', lat: at.lat, lng: at.lng, reporter: { name: '张先生', phone: '13800001234' } }
  const out = await call<{ case: { number: string } }>('op1', 'POST', '/api/v1/complaints', body, hub)
  return out.case.number
}

/** act takes an action on a case as a demo account and answers the case's new state. */
export async function act(login: string, number: string, body: Record<string, unknown>, hub = hubURL()): Promise<string> {
  const out = await call<{ case: { state: string } }>(login, 'POST', `/api/v1/cases/${number}/actions`, body, hub)
  return out.case.state
}

/** caseState reads a case's state through the API (as the dispatcher, who sees every case). */
export async function caseState(number: string, hub = hubURL()): Promise<string> {
  return (await call<{ case: { state: string } }>('disp1', 'GET', `/api/v1/cases/${number}`, undefined, hub)).case.state
}

// ---- the browser ----

/**
 * signIn signs a demo account in as a person does, through the /login form (the session cookie),
 * and waits until its console has opened; it answers the path it landed on. No click after the
 * sign-in: the hub sends each role to its console.
 */
export async function signIn(page: Page, login: string, hub = hubURL()): Promise<string> {
  await page.goto(`${hub}/login`)
  await page.locator('input[name="login"]').fill(login)
  await page.locator('input[name="password"]').fill(demoPassword)
  await page.locator('input[name="password"]').press('Enter')
  await page.waitForURL(/\/console\/[a-z]+$/)
  await expect(page.locator('[data-who]')).not.toBeEmpty() // the shell shows who is signed in
  return new URL(page.url()).pathname
}

/** row is the locator of a case's row (the contract: `data-case-id="<number>"`). */
export const row = (page: Page, number: string) => page.locator(`[data-case-id="${number}"]`)

/** waitForRow waits until the case's row is shown and answers it. */
export async function waitForRow(page: Page, number: string, timeout = 10_000) {
  const r = row(page, number).first()
  await expect(r).toBeVisible({ timeout })
  return r
}

/** linkState is the live badge's state: live, catching_up, connecting or offline. */
export const linkBadge = (page: Page) => page.locator('[data-link-state]')

/**
 * noReloads arms a page: it answers a check that fails if the page loaded again or navigated to
 * another document since (a marker set on window survives only in the same document).
 */
export async function noReloads(page: Page): Promise<() => Promise<void>> {
  const marker = `e2e-${Math.random().toString(36).slice(2)}`
  await page.evaluate((m) => ((window as unknown as { __e2e: string }).__e2e = m), marker)
  let loads = 0
  page.on('load', () => loads++)
  return async () => {
    expect(loads, `${page.url()}: page loads after arming`).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __e2e?: string }).__e2e), `${page.url()}: same document`).toBe(marker)
  }
}

/** photo is a small JPEG (320x240) made by the browser: a picture to attach. */
export async function photo(browser: Browser): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: 320, height: 240 } })
  await page.setContent('<body style="margin:0;background:linear-gradient(135deg,#6a8,#246)"><h1 style="color:#fff;font:40px sans-serif;padding:60px">现场照片</h1></body>')
  const jpeg = await page.screenshot({ type: 'jpeg', quality: 70 })
  await page.close()
  return jpeg
}

export interface ConsoleOptions {
  viewport?: ViewportSize
  /** another hub than the global setup's (a test that restarts its hub, a benchmark) */
  hub?: string
  /** runs on the page before it first loads (init scripts: the benchmarks' clocks) */
  prepare?: (page: Page) => Promise<void>
  /** the phone's position (WGS-84), with the permission to read it granted */
  geolocation?: { lat: number; lng: number }
}

/** The tests' fixtures: openConsole(login) signs a person in, in a browser context of their own. */
export const test = base.extend<{ openConsole: (login: string, opts?: ConsoleOptions) => Promise<Page> }>({
  openConsole: async ({ browser }, use) => {
    const pages: Page[] = []
    await use(async (login, opts = {}) => {
      const geo = opts.geolocation
      const context = await browser.newContext({
        viewport: opts.viewport || DESK, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
        ...(geo ? { geolocation: { latitude: geo.lat, longitude: geo.lng, accuracy: 8 }, permissions: ['geolocation'] } : {}),
      })
      const page = await context.newPage()
      pages.push(page)
      if (opts.prepare) await opts.prepare(page)
      await signIn(page, login, opts.hub)
      return page
    })
    for (const p of pages) await p.context().close()
  },
})

export { expect }
