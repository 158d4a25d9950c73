// Screenshots of each console for docs/screenshots/ (npx playwright test --project=screenshots):
// every console on a desk (1366x768), the phone consoles (street team, inspector) at 360x740,
// after a few reports have given them something to show. PNGs of the visible screen, not the
// whole page, to keep them small.

import { join } from 'node:path'
import { repoRoot } from './hub'
import { test, expect, act, fileReport, DESK, PHONE, GUNAN_POINTS, SANJIANG } from './helpers'

const dir = join(repoRoot, 'docs', 'screenshots')

const shots = [
  { login: 'op1', name: 'operator', viewport: DESK, kind: 'desktop' },
  { login: 'disp1', name: 'dispatch', viewport: DESK, kind: 'desktop' },
  { login: 'gn-1', name: 'team', viewport: DESK, kind: 'desktop' },
  { login: 'insp1', name: 'inspector', viewport: DESK, kind: 'desktop' },
  { login: 'admin', name: 'admin', viewport: DESK, kind: 'desktop' },
  { login: 'gn-1', name: 'team', viewport: PHONE, kind: 'phone' },
  { login: 'insp1', name: 'inspector', viewport: PHONE, kind: 'phone' },
]

test.beforeAll(async () => {
  // Something in every queue worth showing: new tasks, one being handled, one resolved and sent
  // for checking, one of another team.
  const numbers: string[] = []
  for (const [i, at] of GUNAN_POINTS.entries()) {
    numbers.push(await fileReport({ at, category: ['0501', '0504', '0505', '0102', '0301'][i % 5], text: `街面问题 ${i + 1}：请核实处理` }))
  }
  await fileReport({ at: SANJIANG })
  await act('gn-lead', numbers[0], { action: 'acknowledge' })
  await act('gn-lead', numbers[1], { action: 'acknowledge' })
  await act('gn-1', numbers[1], { action: 'resolve', text: '已处置' })
  await act('disp1', numbers[1], { action: 'check', inspector: 'insp1' })
})

for (const s of shots) {
  test(`${s.name} (${s.kind})`, async ({ openConsole }) => {
    const page = await openConsole(s.login, { viewport: s.viewport })
    await page.waitForLoadState('networkidle')
    await expect(page.locator('[data-who]')).toBeVisible({ visible: s.kind === 'desktop' })
    await page.waitForTimeout(500) // the map's polygons and transitions settle
    await page.screenshot({ path: join(dir, `${s.name}-${s.kind}.png`), animations: 'disabled' })
  })
}
