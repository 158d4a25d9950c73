// Benchmark (issue 13): the display screen runs unattended for weeks, so an hour of traffic must
// leave its memory flat. The hour is simulated, faster than real time: SCREEN_REPORTS reports
// (default 600, about ten times the seed bureau's busiest hour) filed through Open311 every
// SCREEN_INTERVAL_MS (default 250 ms), two in three of them then acknowledged, resolved and
// passed, so that every figure, chart, list and map cell of the screen moves hundreds of times.
// The page's JavaScript heap (after a forced garbage collection), its DOM nodes and its event
// listeners are read through the DevTools protocol before, during and after.

import { Hub, sleep } from './hub'
import { test, expect, call, act } from './helpers'
import { report } from './bench'

const reports = Number(process.env.SCREEN_REPORTS || 600)
const interval = Number(process.env.SCREEN_INTERVAL_MS || 250)
const points = [[28.95, 106.6], [28.945, 106.59], [28.965, 106.61], [28.9433, 106.6703], [28.975, 106.6]]
const codes = ['0501', '0504', '0505', '0102', '0301']

test('the display screen through an hour of simulated traffic', async ({ browser }) => {
  const hub = await Hub.start({ args: ['--open311-rate', '0'] })
  try {
    const key = await hub.apiKey('screen-bench')
    const made = await call<{ token: string }>('admin', 'POST', '/api/v1/admin/displays', { name: '基准大厅屏' }, hub.url)
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(`${hub.url}/screen?token=${encodeURIComponent(made.token)}`)
    await expect(page.locator('.screen-root')).toHaveAttribute('data-link', 'live')
    const cdp = await page.context().newCDPSession(page)
    const sample = async () => {
      await cdp.send('HeapProfiler.collectGarbage')
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
      const dom = (await cdp.send('Memory.getDOMCounters')) as { nodes: number; jsEventListeners: number }
      return { heapMB: heap.usedSize / 1048576, nodes: dom.nodes, listeners: dom.jsEventListeners }
    }
    await sleep(1000)
    const start = await sample()
    const samples = [start]
    const started = Date.now()
    for (let i = 0; i < reports; i++) {
      const [lat, lng] = points[i % points.length]
      const form = new URLSearchParams({ api_key: key, service_code: codes[i % codes.length], lat: String(lat + (i % 7) * 0.001), long: String(lng), description: `大屏基准 ${i}` })
      const res = await fetch(`${hub.url}/open311/v2/requests.json`, { method: 'POST', body: form })
      expect(res.status).toBe(201)
      const number = ((await res.json()) as { service_request_id: string }[])[0].service_request_id
      if (i % 3 !== 2) {
        await act('gn-lead', number, { action: 'acknowledge' }, hub.url).catch(() => '')
        await act('gn-1', number, { action: 'resolve', text: '已处置' }, hub.url).catch(() => '')
        await act('insp1', number, { action: 'pass' }, hub.url).catch(() => '')
      }
      await sleep(interval)
      if ((i + 1) % Math.max(1, Math.floor(reports / 6)) === 0) samples.push(await sample())
    }
    await sleep(2000)
    const end = await sample()
    samples.push(end)
    const refreshes = await page.evaluate(() => document.querySelector('[data-screen-kpi="today_received"]')?.textContent)
    const minutes = ((Date.now() - started) / 60000).toFixed(1)
    report('screen memory', `${reports} reports in ${minutes} min (screen shows ${refreshes} received today); ` +
      samples.map((s) => `${s.heapMB.toFixed(1)} MB/${s.nodes} nodes/${s.listeners} listeners`).join(' → '))
    report('screen memory change', `heap ${(end.heapMB - start.heapMB).toFixed(2)} MB, DOM nodes ${end.nodes - start.nodes}, listeners ${end.listeners - start.listeners} from start to end`)
    expect(samples.length).toBeGreaterThan(2)
    await page.close()
  } finally {
    await hub.stop()
  }
})
