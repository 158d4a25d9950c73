// Browser tests of the consoles: Playwright driving Debian's Chromium (/usr/bin/chromium, never a
// downloaded browser) against a real hub that the global setup starts from bin/cityhub.
//
//   npx playwright test --project=e2e          the tests (make test)
//   npx playwright test --project=screenshots  docs/screenshots/*.png
//   npx playwright test --project=bench        the consoles' timings (make bench-consoles)
//
// One worker: the machine has two cores, shared with the hub, and the tests share one hub.

import { defineConfig } from '@playwright/test'
import { chromiumArgs } from './e2e/hub'

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: process.env.CITYHUB_CHROMIUM || '/usr/bin/chromium', args: chromiumArgs },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'e2e', testMatch: /.*\.spec\.ts$/ },
    { name: 'screenshots', testMatch: /.*\.shot\.ts$/ },
    { name: 'bench', testMatch: /.*\.bench\.ts$/, timeout: 600_000 },
  ],
})
