// Duplicates at the hotline (issue 15): a caller reports what an open case nearby already is. The
// operator's nearby list shows the case with how many reported it; "同一问题" files the call as
// one more reporter of that case (no second case), and the case's page lists both reporters.

import { test, expect, call, fileReport } from './helpers'

// A corner of 古南 that the other tests leave alone, so that the nearby list holds only this test's case.
const STALL = { lat: 28.9585, lng: 106.6012 }

test('a call about an open case nearby joins it instead of making a second case', async ({ openConsole }) => {
  const first = await fileReport({ at: STALL, text: '测试：桥头水果摊第一次来电' })
  const op = await openConsole('op1')
  const k = op.keyboard
  await k.type('0501') // the category, as in the acceptance walk (IntakeForm's Tab order)
  await k.press('Enter')
  await k.press('Tab')
  await k.type('桥头又有人推车卖水果')
  await k.press('Tab')
  await k.type('28.9589,106.6016') // about 55 m from the first report
  await k.press('Enter')
  await k.press('Tab')
  await k.press('Tab')
  await k.press('Tab')
  await k.type('李女士')
  await k.press('Tab')
  await k.type('13900005678')
  const candidate = op.locator(`[data-panel="nearby"] [data-case-id="${first}"]`)
  await expect(candidate, 'the open case nearby is offered').toBeVisible()
  await op.screenshot({ path: test.info().outputPath('operator-nearby.png') })
  const filed = op.waitForResponse((r) => r.url().endsWith('/api/v1/complaints') && r.request().method() === 'POST')
  await candidate.locator('[data-action="join"]').click()
  await op.getByRole('button', { name: '并入此案' }).click()
  const res = await filed
  const answer = (await res.json()) as { case: { number: string }; joined: boolean }
  expect(res.status(), 'no case is created').toBe(200)
  expect(answer.joined).toBe(true)
  expect(answer.case.number).toBe(first)
  await expect(op.locator('.el-message').first()).toContainText(`已并入 ${first}`)
  const reporters = await call<{ reporters: { channel: string; joined?: boolean }[] }>('op1', 'GET', `/api/v1/cases/${first}/reporters`)
  expect(reporters.reporters.map((r) => !!r.joined)).toEqual([false, true])
  await op.locator(`[data-panel="today"] [data-case-id="${first}"], [data-case-id="${first}"]`).first().click()
  await expect(op.locator('[data-reporters] li'), "the case's page lists both reporters").toHaveCount(2)
  await expect(op.locator('[data-reporters]')).toContainText('同一问题并入')
  await op.locator('.el-drawer').evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)))
  await op.screenshot({ path: test.info().outputPath('operator-joined.png') })
})
