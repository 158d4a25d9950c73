// Screenshots of each console for docs/screenshots/ (npx playwright test --project=screenshots):
// every console on a desk (1366x768), the phone consoles (street team, inspector) at 360x740,
// after a few reports have given them something to show, each console at a moment that shows what
// it is for (the operator with a call half logged, the dispatcher with a case open). PNGs of the
// visible screen, not the whole page, to keep them small.

import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { repoRoot } from './hub'
import { test, act, fileReport, DESK, PHONE, GUNAN, GUNAN_POINTS, SANJIANG } from './helpers'

const dir = join(repoRoot, 'docs', 'screenshots')

// Reports as a day at the centre brings them (category, what the caller said, where).
const calls: [string, string, string][] = [
  ['0501', '綦江大道有人推车占道卖水果，堵住了人行道', '古南街道綦江大道88号'],
  ['0504', '小区门口的垃圾桶满了两天没人清运，气味很大', '古南街道沱湾路12号'],
  ['0505', '夜里工地还在施工，噪音扰民', '古南街道中山路工地'],
  ['0102', '人行道上堆放建筑垃圾，行人只能走机动车道', '古南街道文龙大道'],
  ['0301', '几辆车长期占用消防通道', '古南街道滨河路小区'],
  ['0501', '早市摊贩占道经营，影响通行', '古南街道新街口'],
  ['0504', '河边步道有大量生活垃圾', '古南街道沱湾河滨步道'],
]

test.beforeAll(async () => {
  // Something in every list worth showing: new tasks, one being handled, one resolved and sent for
  // checking, one of another team.
  const numbers: string[] = []
  for (const [i, [category, text, address]] of calls.entries()) {
    numbers.push(await fileReport({ at: GUNAN_POINTS[i % GUNAN_POINTS.length], category, text, address }))
  }
  await fileReport({ at: SANJIANG, text: '三江街道路口有流动摊贩', address: '三江街道三江大道' })
  await act('gn-lead', numbers[0], { action: 'acknowledge' })
  await act('gn-lead', numbers[1], { action: 'acknowledge' })
  await act('gn-1', numbers[1], { action: 'resolve', text: '已清运，现场已清洁' })
  await act('disp1', numbers[1], { action: 'check', inspector: 'insp1' })
})

/** The operator in the middle of a call: category, words and place typed, the router's answer shown. */
async function operatorMidCall(page: Page) {
  const k = page.keyboard
  await k.type('0501')
  await k.press('Enter')
  await k.press('Tab')
  await k.type('綦江大道古南街道段有人推车占道卖水果')
  await k.press('Tab')
  await k.type(`${GUNAN.lat},${GUNAN.lng}`)
  await k.press('Enter')
  await page.getByText('古南大队').first().waitFor()
}

/** The dispatcher with the first case of the list open beside it. */
async function dispatchCaseOpen(page: Page) {
  await page.locator('tr[data-case-id]').first().click()
  await page.locator('[data-actions]').first().waitFor()
}

const shots: { login: string; name: string; viewport: typeof DESK; kind: string; stage?: (p: Page) => Promise<void> }[] = [
  { login: 'op1', name: 'operator', viewport: DESK, kind: 'desktop', stage: operatorMidCall },
  { login: 'disp1', name: 'dispatch', viewport: DESK, kind: 'desktop', stage: dispatchCaseOpen },
  { login: 'gn-1', name: 'team', viewport: DESK, kind: 'desktop' },
  { login: 'insp1', name: 'inspector', viewport: DESK, kind: 'desktop' },
  { login: 'admin', name: 'admin', viewport: DESK, kind: 'desktop' },
  { login: 'gn-1', name: 'team', viewport: PHONE, kind: 'phone' },
  { login: 'insp1', name: 'inspector', viewport: PHONE, kind: 'phone' },
]

for (const s of shots) {
  test(`${s.name} (${s.kind})`, async ({ openConsole }) => {
    const page = await openConsole(s.login, { viewport: s.viewport, geolocation: GUNAN })
    await page.waitForLoadState('networkidle')
    if (s.stage) await s.stage(page)
    await page.waitForTimeout(800) // the map's polygons and transitions settle
    await page.screenshot({ path: join(dir, `${s.name}-${s.kind}.png`), animations: 'disabled' })
  })
}
