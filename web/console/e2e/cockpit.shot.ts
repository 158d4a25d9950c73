// Screenshots of the leader's cockpit and the hall's display screen for docs/screenshots/
// (npx playwright test --project=screenshots). On a seeded store when CITYHUB_BENCH_STORE names one
// (two years of cases make the charts and the map worth looking at), else on the shared test hub.

import { join } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { Hub, demoPassword, repoRoot } from './hub'
import { test, call, hubURL, fileReport, GUNAN_POINTS, SANJIANG } from './helpers'

const dir = join(repoRoot, 'docs', 'screenshots')
const store = process.env.CITYHUB_BENCH_STORE || ''
let hub: Hub | null = null
let url = ''
let bossPassword = ''

test.beforeAll(async () => {
  if (store) {
    hub = await Hub.start({ dataDir: store })
    url = hub.url
    bossPassword = (await hub.cli('account', 'passwd', '--login', 'boss', '--generate')).split(/\s+/).pop()!
    const admin = (await hub.cli('account', 'passwd', '--login', 'admin', '--generate')).split(/\s+/).pop()!
    process.env.CITYHUB_SHOT_ADMIN = admin
  } else {
    url = hubURL()
    for (const [i, p] of GUNAN_POINTS.entries()) await fileReport({ at: p, category: ['0501', '0504', '0301'][i % 3] })
    await fileReport({ at: SANJIANG })
  }
})
test.afterAll(async () => { await hub?.stop() })

async function leader(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  await page.goto(`${url}/login`)
  await page.locator('input[name="login"]').fill('boss')
  await page.locator('input[name="password"]').fill(bossPassword || demoPassword)
  await page.locator('input[name="password"]').press('Enter')
  await page.waitForURL(/\/console\/leader$/)
  await page.locator('[data-period="year"]').click()
  await page.waitForLoadState('networkidle')
  return page
}

const tabs: { name: string; tab: string }[] = [
  { name: 'leader-measures', tab: '指标总览' },
  { name: 'leader-accountability', tab: '责任落实' },
  { name: 'leader-trends', tab: '趋势分析' },
  { name: 'leader-hotspots', tab: '热点地图' },
]

test('the cockpit', async ({ browser }) => {
  const page = await leader(browser)
  for (const t of tabs) {
    await page.getByRole('tab', { name: t.tab }).click()
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(1200) // charts animate, the map draws its cells
    await page.screenshot({ path: join(dir, `${t.name}-desktop.png`), animations: 'disabled' })
  }
  await page.context().close()
})

test('the display screen', async ({ browser }) => {
  const made = store
    ? await (await fetch(`${url}/api/v1/admin/displays`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await adminToken()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '截图大厅屏' }),
    })).json() as { token: string }
    : await call<{ token: string }>('admin', 'POST', '/api/v1/admin/displays', { name: '截图大厅屏' })
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
  await page.goto(`${url}/screen?token=${encodeURIComponent(made.token)}`)
  await page.locator('.screen-root[data-link="live"]').waitFor()
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(1500)
  await page.screenshot({ path: join(dir, 'screen-1920x1080.png'), animations: 'disabled' })
  await page.close()
})

async function adminToken(): Promise<string> {
  const res = await fetch(`${url}/api/v1/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: process.env.CITYHUB_SHOT_ADMIN }),
  })
  return ((await res.json()) as { token: string }).token
}

