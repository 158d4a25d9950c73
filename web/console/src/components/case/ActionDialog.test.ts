import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ActionDialog from './ActionDialog.vue'
import { reference } from '../../lib/session'
import type { CaseAnswer } from '../../lib/caseData'
import type { Reference } from '../../lib/types'

reference.value = {
  district: 'qijiang', authority: '綦江区城市管理局', categories: [], natures: [],
  units: [{ code: 'QJ-GN-DD', name: '古南大队', kind: 'street_brigade' }, { code: 'QJ-SJ-DD', name: '三江大队', kind: 'street_brigade' }],
  labels: { states: {}, actions: { check: '核查', reassign: '改派' }, roles: {}, clocks: {} },
  inspectors: [{ login: 'insp1', name: '监督员一' }, { login: 'insp2', name: '监督员二' }],
} as unknown as Reference

const detail = (): CaseAnswer => ({
  case: { id: 7, number: 'QJ20261204000007', state: 'resolved', owner: 'QJ-GN-DD', unit: 'QJ-GN-DD', channel: 'hotline',
    nature: 'complaint', category: '0501', jurisdiction: 'QJ-GN', version: 6, routing: { unit: 'QJ-GN-DD' } },
  events: [], actions: ['check', 'reassign', 'note'],
})

function answer(status: number, body: unknown) {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

const open = (action: string) => mount(ActionDialog, {
  props: { modelValue: true, action, detail: detail() }, attachTo: document.body,
})
const button = (text: string) => [...document.querySelectorAll('.el-dialog button')].find((b) => b.textContent?.trim() === text) as HTMLButtonElement

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('ActionDialog', () => {
  it('sends the check with the inspector chosen by name and the version the view showed', async () => {
    const fetch = vi.fn(() => answer(200, { case: { ...detail().case, state: 'checking', version: 7 }, events: [], actions: [] }))
    vi.stubGlobal('fetch', fetch)
    const w = open('check')
    await flushPromises()
    const insp = [...document.querySelectorAll('.el-dialog .el-radio')].find((r) => r.textContent?.includes('监督员一')) as HTMLElement
    insp.click()
    await flushPromises()
    button('确定').click()
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/cases/QJ20261204000007/actions')
    expect(JSON.parse(init.body as string)).toEqual({ action: 'check', version: 6, inspector: 'insp1' })
    expect(w.emitted('done')?.[0]?.[1]).toBe('check')
    expect(w.emitted('update:modelValue')?.[0]).toEqual([false])
    w.unmount()
  })

  it('shows the hub\'s refusal in the dialog and stays open', async () => {
    vi.stubGlobal('fetch', vi.fn(() => answer(409, { status: 409, code: 'conflict', detail: '案件已被他人更新，请刷新后重试 (the case changed since version 6; reload it)' })))
    const w = open('reassign')
    await flushPromises()
    ;(w.vm as unknown as { form: { unit: string; reason: string } }).form.unit = 'QJ-SJ-DD'
    ;(w.vm as unknown as { form: { unit: string; reason: string } }).form.reason = '属三江辖区'
    await flushPromises()
    button('确定').click()
    await flushPromises()
    expect(document.querySelector('[data-error]')?.textContent).toContain('案件已被他人更新')
    expect(w.emitted('done')).toBeUndefined()
    expect(w.emitted('update:modelValue')).toBeUndefined()
    w.unmount()
  })

  it('says what is missing before sending anything', async () => {
    const fetch = vi.fn()
    vi.stubGlobal('fetch', fetch)
    const w = open('reassign')
    await flushPromises()
    button('确定').click()
    await flushPromises()
    expect(document.querySelector('[data-error]')?.textContent).toContain('请选择承办单位')
    expect(fetch).not.toHaveBeenCalled()
    w.unmount()
  })
})
