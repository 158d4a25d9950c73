import { describe, expect, it } from 'vitest'
import { zh } from './text'

describe('zh', () => {
  it('keeps the Chinese part of "中文 (English)"', () => {
    expect(zh('未知的事件类别 "9999" (unknown category)')).toBe('未知的事件类别 "9999"')
    expect(zh('两案相距 600 米，超过合并范围 500 米 (the cases are 600 m apart; at most 500 m)')).toBe('两案相距 600 米，超过合并范围 500 米')
    expect(zh('网络不通，请稍后重试 (network unreachable)')).toBe('网络不通，请稍后重试')
  })
  it('copes with parentheses inside the English part', () => {
    expect(zh('请求失败 (the hub said (in short) no)')).toBe('请求失败')
  })
  it('keeps the Chinese part of "中文 / English"', () => {
    expect(zh('位置不在本区范围内（纬度 30.5，经度 104） / the location (lat 30.5, lng 104) is outside the district'))
      .toBe('位置不在本区范围内（纬度 30.5，经度 104）')
  })
  it('keeps a message without an English part, or without Chinese', () => {
    expect(zh('请求失败 (HTTP 502)')).toBe('请求失败 (HTTP 502)')
    expect(zh('internal error (code 7)')).toBe('internal error (code 7)')
    expect(zh('办理中（等待签收）')).toBe('办理中（等待签收）')
  })
})
