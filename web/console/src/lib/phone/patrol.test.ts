import { describe, expect, it } from 'vitest'
import type { CaseRow } from '../types'
import { accuracyText, buildPatrol, loadUsage, newExternalId, rankCategories, recordUse, usageOf, type PatrolDraft } from './patrol'

const draft = (over: Partial<PatrolDraft> = {}): PatrolDraft => ({
  category: '0101', text: ' 新建彩钢棚 ', address: '', media: ['a'.repeat(64)], photosPending: false, externalId: 'patrol-insp1-x',
  position: { point: { lat: 28.98174567, lng: 106.61829449 }, accuracy: 12, source: 'gps' }, ...over,
})

describe('buildPatrol', () => {
  it('files the inspector channel with the position in WGS-84, the photos and the words', () => {
    const { request, errors } = buildPatrol(draft({ address: ' 东街北门 ' }))
    expect(errors).toEqual([])
    expect(request).toEqual({
      channel: 'inspector', category: '0101', text: '新建彩钢棚', lat: 28.981746, lng: 106.618294, datum: 'wgs84',
      address: '东街北门', media: ['a'.repeat(64)], external_id: 'patrol-insp1-x',
    })
  })
  it('leaves out an empty address and no photos', () => {
    const { request } = buildPatrol(draft({ media: [] }))
    expect(request).not.toHaveProperty('address')
    expect(request).not.toHaveProperty('media')
  })
  it('says everything that is missing, in Chinese', () => {
    const { request, errors } = buildPatrol(draft({ category: '', position: null, media: [], text: '  ', photosPending: true }))
    expect(request).toBeNull()
    expect(errors).toEqual(['请选择问题类别', '还没有位置：请等待定位，或在地图上选点', '照片还在上传（或上传失败，请重试或删除）', '请拍照或写几句描述'])
  })
  it('takes a photo without words, or words without a photo', () => {
    expect(buildPatrol(draft({ text: '' })).errors).toEqual([])
    expect(buildPatrol(draft({ media: [] })).errors).toEqual([])
  })
})

describe('categories', () => {
  const cats = [
    { code: '0101', name: '私搭乱建', aka: ['违法建设', '违章建筑'], group_name: '市容环境' },
    { code: '0102', name: '暴露垃圾', group_name: '市容环境' },
    { code: '0301', name: '违章张贴悬挂广告牌匾', aka: ['违规户外广告'], group_name: '宣传广告' },
    { code: '0401', name: '占道经营', aka: ['流动摊贩'], group_name: '街面秩序' },
  ]
  it('puts the most used first when nothing is typed', () => {
    expect(rankCategories(cats, { '0401': 5, '0102': 2 }, '').map((c) => c.code)).toEqual(['0401', '0102', '0101', '0301'])
  })
  it('finds by name before alias, and by alias, code and group', () => {
    expect(rankCategories(cats, {}, '违章').map((c) => c.code)).toEqual(['0301', '0101'])
    expect(rankCategories(cats, {}, '摊贩').map((c) => c.code)).toEqual(['0401'])
    expect(rankCategories(cats, {}, '0102').map((c) => c.code)).toEqual(['0102'])
    expect(rankCategories(cats, {}, '宣传').map((c) => c.code)).toEqual(['0301'])
    expect(rankCategories(cats, {}, '井盖')).toEqual([])
  })
  it('weighs the inspector\'s own reports above the district\'s patrol reports', () => {
    const rows = [{ channel: 'inspector', category: '0102' }, { channel: 'inspector', category: '0102' }, { channel: 'hotline', category: '0301' }] as CaseRow[]
    const u = usageOf({ '0401': 1 }, rows)
    expect(u).toEqual({ '0102': 2, '0401': 100 })
  })
  it('remembers what this inspector files', () => {
    const mem = new Map<string, string>()
    const store = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) }
    recordUse('insp1', '0101', store)
    recordUse('insp1', '0101', store)
    recordUse('insp2', '0102', store)
    expect(loadUsage('insp1', store)).toEqual({ '0101': 2 })
    mem.set('cityhub.patrol.usage.insp1', 'not json')
    expect(loadUsage('insp1', store)).toEqual({})
  })
})

describe('position and ids', () => {
  it('says how good the fix is', () => {
    expect(accuracyText({ point: { lat: 0, lng: 0 }, accuracy: 11.6, source: 'gps' })).toBe('手机定位 ±12 米')
    expect(accuracyText({ point: { lat: 0, lng: 0 }, accuracy: 350, source: 'gps' })).toContain('精度差')
    expect(accuracyText({ point: { lat: 0, lng: 0 }, source: 'map' })).toBe('地图选点')
  })
  it('names each draft once, within the hub\'s 128 characters', () => {
    expect(newExternalId('insp1', () => 'abc')).toBe('patrol-insp1-abc')
    expect(newExternalId('x'.repeat(200), () => 'abc')).toHaveLength(128)
    expect(newExternalId('insp1')).not.toBe(newExternalId('insp1'))
  })
})
