// The hall's display screen (issue 13): opened with a display token, it shows the district's
// aggregates and nothing personal (neither in the page's text nor in anything the hub sent it),
// moves with a new report, and comes back by itself after the hub restarts.

import { test, expect, call, fileReport, act, hubURL, GUNAN_POINTS } from './helpers'
import { Hub } from './hub'
import type { Page } from '@playwright/test'

// Distinctive personal data: none of it may reach the screen.
const secrets = {
  name: '欧阳屏测甲',
  phone: '13987654321',
  text: '屏幕隐私测试：门口堆放建筑垃圾XQZ',
  address: '隐私路九十九号XQZ',
  lat: '28.951234',
  lng: '106.601234',
}

async function displayLink(hub: string): Promise<string> {
  const made = await call<{ token: string }>('admin', 'POST', '/api/v1/admin/displays', { name: `大厅屏-${Date.now()}` }, hub)
  return `${hub}/screen?token=${encodeURIComponent(made.token)}`
}

// recordTraffic keeps every answer body and websocket frame the page receives from the hub, the
// built scripts and styles aside (the same files for every page, and full of digits).
function recordTraffic(page: Page): string[] {
  const seen: string[] = []
  page.on('response', async (res) => {
    if (new URL(res.url()).pathname.startsWith('/console/assets/')) return
    try {
      seen.push(`${res.url()}\n${await res.text()}`)
    } catch {
      // a body already gone (redirects): nothing to read
    }
  })
  page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.push(String(f.payload))))
  return seen
}

test('the screen shows the figures and no personal data, in its text or its traffic', async ({ browser }) => {
  const hub = hubURL()
  for (let i = 0; i < 3; i++) {
    const body = { channel: 'hotline', category: '0301', text: secrets.text, address: secrets.address,
      lat: Number(secrets.lat), lng: Number(secrets.lng), reporter: { name: secrets.name, phone: secrets.phone } }
    const out = await call<{ case: { number: string } }>('op1', 'POST', '/api/v1/complaints', body)
    if (i === 0) {
      await act('gn-lead', out.case.number, { action: 'acknowledge' })
      await act('gn-1', out.case.number, { action: 'resolve', text: `${secrets.text} 已处理` })
      await act('insp1', out.case.number, { action: 'pass' })
    }
  }
  const link = await displayLink(hub)
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const traffic = recordTraffic(page)
  await page.goto(link)
  expect(new URL(page.url()).search, 'the token leaves the address bar').toBe('')
  await expect(page.locator('[data-screen-kpi="today_received"]')).not.toHaveText('')
  await expect(page.locator('[data-screen-recent] li').first()).toBeVisible()
  // A report while the screen is open moves it.
  const before = Number(await page.locator('[data-screen-kpi="today_received"]').innerText())
  await fileReport({ via: 'open311', at: GUNAN_POINTS[4] })
  await expect(page.locator('[data-screen-kpi="today_received"]')).toHaveText(String(before + 1))

  const text = await page.locator('body').innerText()
  const everything = [text, ...traffic].join('\n')
  for (const [what, value] of Object.entries(secrets)) {
    expect(everything.includes(value), `the screen must not carry the reporter's ${what} (${value})`).toBe(false)
  }
  expect(everything).not.toMatch(/(?<![\d.])1[3-9]\d{9}(?!\d)/) // no mobile number at all (digits of a fraction aside)
  await context.close()
})

test('a display token opens the screen only', async ({ request }) => {
  const link = await displayLink(hubURL())
  const token = new URL(link).searchParams.get('token')!
  for (const path of ['/api/v1/cases', '/api/v1/measures', '/api/v1/me', '/console/leader']) {
    const res = await request.get(`${hubURL()}${path}`, { headers: { Authorization: `Bearer ${token}`, Cookie: `cityhub_display=${token}` }, maxRedirects: 0 })
    expect([301, 302, 303, 401, 403], `${path} with a display token`).toContain(res.status())
  }
  const bad = await request.get(`${hubURL()}/api/v1/screen`, { headers: { Cookie: 'cityhub_display=not-a-token' } })
  expect(bad.status()).toBe(401)
})

test('the screen comes back by itself after the hub restarts', async ({ browser }) => {
  const hub = await Hub.start()
  try {
    const link = await displayLink(hub.url)
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await page.goto(link)
    const received = page.locator('[data-screen-kpi="today_received"]')
    await expect(received).toHaveText('0')
    await expect(page.locator('.screen-root')).toHaveAttribute('data-link', 'live')
    await hub.restart()
    await fileReport({ via: 'open311', hub: hub.url, key: await hub.apiKey('e2e-screen') })
    await expect(received).toHaveText('1', { timeout: 30_000 })
    await expect(page.locator('.screen-root')).toHaveAttribute('data-link', 'live')
    await page.close()
  } finally {
    await hub.stop()
  }
})
