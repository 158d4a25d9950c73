// A console that loses its connection and comes back misses nothing (issue 12's acceptance). The
// street team's phone goes offline and the hub restarts (same port, same data) so the stream's
// socket really drops (Chromium's offline mode alone leaves an open socket open); while the console
// is cut off, cases are dispatched to the team, one of its cases changes state and another team
// gets a case. Back online, the console shows every change, the other team's case still not, and
// it never reloaded.

import { Hub } from './hub'
import { test, expect, act, fileReport, linkBadge, noReloads, row, waitForRow, GUNAN_POINTS, PHONE, SANJIANG } from './helpers'

let hub: Hub

test.beforeAll(async () => {
  hub = await Hub.start()
})
test.afterAll(async () => {
  await hub?.stop()
})

test('the team console misses nothing across a dropped connection and a hub restart', async ({ openConsole }) => {
  const page = await openConsole('gn-1', { viewport: PHONE, hub: hub.url })
  const before = await fileReport({ hub: hub.url })
  await waitForRow(page, before)
  await expect(linkBadge(page)).toHaveAttribute('data-state', 'live')
  const unchanged = await noReloads(page)

  await page.context().setOffline(true)
  await hub.restart()
  await expect(linkBadge(page)).toHaveAttribute('data-state', 'offline')

  // Meanwhile: three new tasks for 古南, one of its tasks acknowledged, a task for 三江.
  const missed: string[] = []
  for (const at of GUNAN_POINTS.slice(0, 3)) missed.push(await fileReport({ hub: hub.url, at }))
  expect(await act('gn-lead', before, { action: 'acknowledge' }, hub.url)).toBe('in_progress')
  const theirs = await fileReport({ hub: hub.url, at: SANJIANG })
  await page.waitForTimeout(1_000) // the console stays cut off a while: its retries fail
  await expect(linkBadge(page)).toHaveAttribute('data-state', 'offline')
  for (const n of missed) await expect(row(page, n)).toHaveCount(0)

  await page.context().setOffline(false)
  await expect(linkBadge(page)).toHaveAttribute('data-state', 'live')
  for (const n of missed) await waitForRow(page, n)
  await expect(row(page, before).first()).toHaveAttribute('data-state', 'in_progress')
  await expect(row(page, theirs)).toHaveCount(0)
  await unchanged()

  // And it is live again: a task dispatched now appears at once.
  const after = await fileReport({ hub: hub.url })
  await waitForRow(page, after, 2_000)
})
