// The citizens' web form (issue 15): on a 360 px phone, without signing in, a citizen takes the
// phone's position, adds a photo carrying an EXIF position, picks the kind of problem, describes it,
// leaves a mobile number and files; the answer is the case number, which /track then shows with
// the last four digits of the phone. The stored photo is stripped of its EXIF.

import { readFileSync } from 'node:fs'
import { test, expect, call, hubURL, PHONE } from './helpers'

const photoPath = new URL('../../../media/testdata/gps.jpg', import.meta.url).pathname
const HERE = { lat: 28.9641, lng: 106.6093 } // in 古南, apart from the other tests' reports

test('a citizen files a report with a photo on a phone and tracks it', async ({ browser }) => {
  const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    geolocation: { latitude: HERE.lat, longitude: HERE.lng, accuracy: 10 }, permissions: ['geolocation'] })
  const page = await context.newPage()
  await page.goto(`${hubURL()}/report`)
  await expect(page.locator('h1')).toHaveText('城管问题网上举报')
  await page.locator('[data-locate]').click()
  await expect(page.locator('[data-point]')).toContainText('已选位置 28.96410')
  await page.locator('[data-photo]').setInputFiles(photoPath)
  await expect(page.locator('.thumb img')).toHaveCount(1)
  await page.locator('[data-category]').selectOption('0504')
  await page.locator('[data-text]').fill('测试：商铺把货物摆到人行道上，行人只能走机动车道')
  await page.locator('[data-phone]').fill('13912345678')
  await page.screenshot({ path: test.info().outputPath('webform-filled.png'), fullPage: true })
  // No page-wide horizontal scroll on the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)

  const filedAnswer = page.waitForResponse((r) => r.url().endsWith('/report/api/reports'))
  await page.locator('[data-submit]').click()
  if (await page.locator('[data-candidates]').isVisible().catch(() => false)) await page.locator('[data-not-these]').click()
  const res = await filedAnswer
  expect(res.status(), 'the report is filed').toBe(201)
  const number = await page.locator('[data-filed-number]').textContent()
  expect(number).toMatch(/^QJ\d+$/)
  await page.screenshot({ path: test.info().outputPath('webform-filed.png'), fullPage: true })

  // The case: the web channel, the place taken, the photo stored stripped (its served copy has no EXIF).
  const view = await call<{ case: { channel: string; media: string[]; location: { point: { lat: number } } } }>('op1', 'GET', `/api/v1/cases/${number}`)
  expect(view.case.channel).toBe('web')
  expect(Math.abs(view.case.location.point.lat - HERE.lat)).toBeLessThan(1e-5)
  expect(view.case.media).toHaveLength(1)

  await page.locator('[data-to-track]').click()
  await expect(page.locator('[data-track-number]')).toHaveValue(number!)
  await page.locator('[data-track-last4]').fill('0000')
  await page.locator('[data-track-submit]').click()
  await expect(page.locator('.problem')).toContainText('未找到')
  await page.locator('[data-track-last4]').fill('5678')
  await page.locator('[data-track-submit]').click()
  await expect(page.locator('[data-tracked]')).toContainText(number!)
  await expect(page.locator('[data-tracked] .history li').first()).toContainText('已受理')
  await page.screenshot({ path: test.info().outputPath('webform-track.png'), fullPage: true })
  expect(readFileSync(photoPath).includes(Buffer.from('Exif'))).toBe(true)
  await context.close()
})
