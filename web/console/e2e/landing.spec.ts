// Each role lands on its own console after signing in, with no further click (issue 12's contract
// for tests); a visitor without a session is sent to the sign-in page.

import { test, expect, landing, hubURL } from './helpers'

const titles: Record<string, string> = {
  '/console/operator': '受理台',
  '/console/dispatch': '派遣台',
  '/console/team': '处置台',
  '/console/inspector': '监督员',
  '/console/admin': '系统管理',
  '/console/leader': '领导驾驶舱',
}

for (const [login, path] of Object.entries(landing)) {
  test(`${login} lands on ${path}`, async ({ openConsole }) => {
    const page = await openConsole(login)
    expect(new URL(page.url()).pathname).toBe(path)
    await expect(page).toHaveTitle(new RegExp(`^${titles[path]} · `))
    await page.goto(`${hubURL()}/`) // the front door sends a signed-in person to the same console
    expect(new URL(page.url()).pathname).toBe(path)
  })
}

test('a visitor without a session is sent to the sign-in page', async ({ page }) => {
  for (const path of ['/', '/console/team']) {
    await page.goto(`${hubURL()}${path}`)
    await page.waitForURL(/\/login(\?|$)/)
    await expect(page.locator('input[name="login"]')).toBeVisible()
    await expect(page.locator('input[name="password"]')).toBeVisible()
  }
})
