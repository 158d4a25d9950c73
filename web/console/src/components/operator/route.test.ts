import { describe, expect, it } from 'vitest'
import { outcomeTag, ruleLabel } from './route'

describe('ruleLabel', () => {
  it('reads the router\'s rules in Chinese', () => {
    expect(ruleLabel('territorial')).toBe('属地管理')
    expect(ruleLabel('category:0302 -> unit:QJ-ZTDD')).toBe('类别专管：0302 → QJ-ZTDD') // no reference loaded: the code
    expect(ruleLabel('authority:万盛经开区 -> EXT-WS')).toBe('区外辖区：万盛经开区 → EXT-WS')
  })
  it('shows a rule it does not know as it is', () => {
    expect(ruleLabel('something new')).toBe('something new')
  })
})

describe('outcomeTag', () => {
  it('says what filing will do', () => {
    expect(outcomeTag('dispatch').label).toBe('提交即自动派遣')
    expect(outcomeTag(undefined).label).toBe('')
  })
})
