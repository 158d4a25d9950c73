// The shift leader's review of a 不满意 answer (issue 14): a closed case whose reporter answered
// 不满意 appears live in the dispatch desk's queue 不满意待复核; upholding it with a reason takes it
// out and the case shows the review's outcome. Closed cases are not in the desk's live store, so
// this also checks that the desk asks the hub for them when the stream shows the answer.

import { test, expect, fileReport, act, GUNAN_POINTS } from './helpers'

async function closeCase(number: string) {
  await act('gn-lead', number, { action: 'acknowledge' })
  await act('gn-1', number, { action: 'resolve', text: '已劝离，现场恢复' })
  await act('insp1', number, { action: 'pass', text: '复核通过' })
}

test('a 不满意 answer puts the case in the review queue live; upholding it takes it out', async ({ openConsole }) => {
  const number = await fileReport({ via: 'open311', at: GUNAN_POINTS[1], text: '复核测试：占道经营' })
  await closeCase(number)

  const page = await openConsole('lead1')
  const queue = page.locator('[data-queue="review"]')
  await expect(queue).toBeVisible()
  const before = Number(await queue.getAttribute('data-count'))

  await act('op1', number, { action: 'follow_up', satisfaction: '不满意', text: '市民认为摊贩仍在' })
  await expect(queue).toHaveAttribute('data-count', String(before + 1))
  await queue.click()
  const inQueue = page.locator('.queue-table').locator(`[data-case-id="${number}"]`)
  await inQueue.click()

  await expect(page.getByText('不满意待复核').last()).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('review-queue.png') })
  await page.locator('[data-actions] [data-action="uphold"]').click()
  const dialog = page.getByRole('dialog')
  await dialog.locator('textarea[data-field="reason"], [data-field="reason"] textarea').fill('经核查摊贩已劝离，维持办结')
  await dialog.getByRole('button', { name: '确定' }).last().click()

  await expect(queue).toHaveAttribute('data-count', String(before))
  await expect(inQueue).toHaveCount(0)
  await expect(dialog).toBeHidden()
  await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 5000 })
  await page.screenshot({ path: test.info().outputPath('review-after-uphold.png') })
})
