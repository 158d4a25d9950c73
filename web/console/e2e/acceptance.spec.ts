// Issue 12's acceptance, walked in the browser: an operator files a report by keyboard alone; 古南's
// street-team console shows it live on a phone-sized screen and 三江's does not; the team
// acknowledges it and resolves it with a photo; the inspector passes it; the dispatch console's
// queues move at each step; and no page reloads at any point.

import type { Page } from '@playwright/test'
import { test, expect, caseState, fileReport, noReloads, photo, row, waitForRow, PHONE, SANJIANG } from './helpers'

/** expectState waits until a case's row on a console says the case is in that state. */
async function expectState(page: Page, number: string, state: string) {
  await expect(row(page, number).first()).toHaveAttribute('data-state', state)
}

/**
 * fileByKeyboard fills the operator's form with keys only (Tab, typing, Enter to pick a suggestion)
 * and files it with Ctrl+Enter; it answers the new case's number, read from the hub's answer.
 */
async function fileByKeyboard(op: Page): Promise<string> {
  const k = op.keyboard
  const created = op.waitForResponse((r) => r.url().endsWith('/api/v1/complaints') && r.request().method() === 'POST')
  // The Tab order (IntakeForm.vue): 类别 has the focus when the console opens (the nature 投诉 is
  // the default), description, location, 坐标系, 地址, 来电人, 电话; Ctrl+Enter files from any field.
  await k.type('0501') // category by its code: 无照经营游商
  await k.press('Enter') // take the first match
  await k.press('Tab')
  await k.type('綦江大道古南街道段有人推车占道卖水果，堵住了人行道')
  await k.press('Tab')
  await k.type('28.95,106.60') // location by coordinates (WGS-84)
  await k.press('Enter')
  await k.press('Tab') // 坐标系: WGS-84 as read
  await k.press('Tab')
  await k.type('古南街道綦江大道')
  await k.press('Tab')
  await k.type('张先生')
  await k.press('Tab')
  await k.type('13800001234')
  await k.press('Control+Enter')
  const res = await created
  expect(res.status(), 'the report is filed').toBe(201)
  return ((await res.json()) as { case: { number: string } }).case.number
}

/** countMouse makes a page count every press of a mouse button or touch: proof of "no clicks". */
async function countMouse(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __presses: number }
    w.__presses = 0
    for (const type of ['pointerdown', 'mousedown', 'touchstart']) {
      window.addEventListener(type, (e) => e.isTrusted && w.__presses++, { capture: true })
    }
  })
  return () => page.evaluate(() => (window as unknown as { __presses: number }).__presses)
}

/** openTask opens a task on a phone console (its sheet), unless it is open already. */
async function openTask(page: Page, number: string) {
  const sheet = page.locator(`[data-task-sheet="${number}"]`)
  if (!(await sheet.isVisible())) await row(page, number).first().click()
  await expect(sheet).toBeVisible()
  return sheet
}

/** count reads the number of cases a dispatch queue shows (QueueNav's data-count). */
async function count(dispatch: Page, queue: string): Promise<number> {
  return Number(await dispatch.locator(`[data-queue="${queue}"]`).first().getAttribute('data-count'))
}

/** expectCount waits until a dispatch queue shows that many cases. */
async function expectCount(dispatch: Page, queue: string, n: number) {
  await expect(dispatch.locator(`[data-queue="${queue}"]`).first()).toHaveAttribute('data-count', String(n))
}

test('the acceptance walk: keyboard report, live team consoles, photo, check, queues, no reload', async ({ openConsole, browser }) => {
  test.setTimeout(240_000) // five consoles and a dozen steps: about a minute on a shared 2-core machine
  const dispatch = await openConsole('disp1')
  const gn = await openConsole('gn-1', { viewport: PHONE })
  const sj = await openConsole('sj-1', { viewport: PHONE })
  const insp = await openConsole('insp1', { viewport: PHONE })
  const op = await openConsole('op1')
  const consoles = [dispatch, gn, sj, insp, op]
  for (const page of consoles) await expect(page.locator('[data-link-state]').first()).toHaveAttribute('data-state', 'live')
  const unchanged = await Promise.all(consoles.map(noReloads))
  const presses = await countMouse(op)
  const open0 = await count(dispatch, 'all')
  const check0 = await count(dispatch, 'check')

  const number = await test.step('the operator files a report by keyboard alone', async () => {
    const n = await fileByKeyboard(op)
    expect(await presses(), 'mouse or touch presses on the operator console').toBe(0)
    await waitForRow(op, n) // the operator's live list of today's reports
    return n
  })

  await test.step("古南's team console shows it live, 三江's does not; the dispatch desk counts it", async () => {
    await waitForRow(gn, number, 2_000)
    await expectState(gn, number, 'dispatched')
    await expectState(dispatch, number, 'dispatched')
    await expectCount(dispatch, 'all', open0 + 1)
    // 三江's console is live too: a report in 三江 reaches it, and 古南's never did.
    const theirs = await fileReport({ at: SANJIANG })
    await waitForRow(sj, theirs)
    await expect(row(sj, number)).toHaveCount(0)
    await expect(row(gn, theirs)).toHaveCount(0)
    await expectCount(dispatch, 'all', open0 + 2)
  })

  await test.step('the team acknowledges it', async () => {
    const sheet = await openTask(gn, number)
    await sheet.locator('[data-action="acknowledge"]').click()
    await expectState(gn, number, 'in_progress')
    await expectState(dispatch, number, 'in_progress')
  })

  await test.step('the team resolves it with a photo; it moves to the check queue', async () => {
    const sheet = await openTask(gn, number)
    await sheet.locator('[data-action="resolve"]').click()
    const form = sheet.locator('[data-action-form="resolve"]')
    await form.locator('input[type="file"]').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: await photo(browser) })
    await expect(form.locator('[data-photo]')).toHaveAttribute('data-status', 'done') // uploaded
    await form.locator('textarea[name="text"]').fill('已劝离摊贩，人行道恢复通行')
    await form.locator('[data-confirm]').click()
    await expectState(gn, number, 'resolved')
    await expectState(dispatch, number, 'resolved')
    await expectCount(dispatch, 'check', check0 + 1)
  })

  await test.step('the dispatcher sends the inspector, who passes it; it leaves the queues', async () => {
    await row(dispatch, number).first().click()
    await dispatch.locator('[data-actions] [data-action="check"]').click()
    const dialog = dispatch.getByRole('dialog')
    await dialog.getByPlaceholder('或输入监督员账号').fill('insp1')
    await dialog.getByRole('button', { name: '确定' }).last().click()
    await expectState(dispatch, number, 'checking')
    await insp.locator('[data-tab="tasks"]').click()
    await waitForRow(insp, number)
    const sheet = await openTask(insp, number)
    await sheet.locator('[data-action="pass"]').click()
    await sheet.locator('[data-action-form="pass"] [data-confirm]').click()
    await expectCount(dispatch, 'check', check0)
    await expectCount(dispatch, 'all', open0 + 1) // 三江's report is still open
  })

  await test.step('the hub agrees, the case left the team, and no console reloaded', async () => {
    expect(await caseState(number)).toBe('closed')
    await expect(row(gn, number)).toHaveCount(0) // a closed task leaves the street team's list
    for (const check of unchanged) await check()
  })
})
