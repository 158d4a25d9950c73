// Benchmark: what Chromium actually downloads to open each console the first time (no cache): the
// scripts and style sheets as sent (brotli), from the Resource Timing of the page. A check on
// scripts/console-size.mjs, which computes the same from the build's manifest.

import { test, expect, DESK, PHONE } from './helpers'
import { report } from './bench'

const consoles = [
  { login: 'op1', path: '/console/operator', viewport: DESK },
  { login: 'disp1', path: '/console/dispatch', viewport: DESK },
  { login: 'gn-1', path: '/console/team', viewport: PHONE },
  { login: 'insp1', path: '/console/inspector', viewport: PHONE },
  { login: 'admin', path: '/console/admin', viewport: DESK },
]

for (const c of consoles) {
  test(`first load of ${c.path}`, async ({ openConsole }) => {
    const page = await openConsole(c.login, { viewport: c.viewport })
    expect(new URL(page.url()).pathname).toBe(c.path)
    await page.waitForLoadState('networkidle')
    const sizes = await page.evaluate(() => {
      const sum = { js: 0, css: 0, jsFiles: 0, cssFiles: 0 }
      for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
        const path = new URL(e.name).pathname
        if (!path.startsWith('/console/assets/')) continue
        if (path.endsWith('.js')) {
          sum.js += e.encodedBodySize
          sum.jsFiles++
        } else if (path.endsWith('.css')) {
          sum.css += e.encodedBodySize
          sum.cssFiles++
        }
      }
      return sum
    })
    expect(sizes.jsFiles).toBeGreaterThan(0)
    report(`first load ${c.path} in Chromium`,
      `script ${(sizes.js / 1024).toFixed(1)} KB in ${sizes.jsFiles} files, CSS ${(sizes.css / 1024).toFixed(1)} KB in ${sizes.cssFiles} files (as sent)`)
  })
}
