import { describe, expect, it } from 'vitest'
import { matchCategories, type CatalogueItem } from './categories'

const catalogue: CatalogueItem[] = [
  { code: '0101', name: '私搭乱建', group_name: '市容环境', aka: ['违法建设', '违章建筑'] },
  { code: '0102', name: '暴露垃圾', group_name: '市容环境' },
  { code: '0501', name: '无照经营游商', group_name: '街面秩序', aka: ['乱摆乱设摊点', '流动摊贩'] },
  { code: '0504', name: '店外经营', group_name: '街面秩序', aka: ['占道经营'] },
  { code: '0505', name: '机动车乱停放', group_name: '街面秩序', aka: ['违规占道车辆'] },
  { code: '0506', name: '非机动车乱停放', group_name: '街面秩序' },
]
const codes = (typed: string) => matchCategories(catalogue, typed).map((c) => c.code)

describe('matchCategories', () => {
  it('finds a category by its code, exact code first', () => {
    expect(codes('0501')).toEqual(['0501'])
    expect(codes('05')).toEqual(['0501', '0504', '0505', '0506'])
  })
  it('finds a category by its name, a prefix before a substring', () => {
    expect(codes('暴露')).toEqual(['0102'])
    expect(codes('机动车乱停放')).toEqual(['0505', '0506']) // exact name, then the name containing it
  })
  it('finds a category by an alias and says which alias matched', () => {
    const got = matchCategories(catalogue, '流动摊贩')
    expect(got.map((c) => c.code)).toEqual(['0501'])
    expect(got[0].matched).toBe('流动摊贩')
    expect(codes('违章')).toEqual(['0101'])
  })
  it('puts an alias prefix before a name substring', () => {
    // "占道" begins the alias 占道经营 (0504) and is inside the alias 违规占道车辆 (0505)
    expect(codes('占道')).toEqual(['0504', '0505'])
  })
  it('lists a whole group by its name after every other kind of match', () => {
    expect(codes('街面')).toEqual(['0501', '0504', '0505', '0506'])
  })
  it('ignores case and spaces, and lists everything for empty text', () => {
    expect(codes(' 05 01 ')).toEqual(['0501'])
    expect(codes('')).toHaveLength(catalogue.length)
  })
  it('answers nothing for text nothing matches', () => {
    expect(codes('火车')).toEqual([])
  })
})
