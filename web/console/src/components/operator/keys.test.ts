import { describe, expect, it } from 'vitest'
import { isSubmitKey, type KeyInfo } from './keys'

const key = (k: Partial<KeyInfo>): KeyInfo => ({
  key: 'Enter', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, isComposing: false, repeat: false, ...k,
})

describe('isSubmitKey', () => {
  it('files on Ctrl+Enter and Cmd+Enter', () => {
    expect(isSubmitKey(key({ ctrlKey: true }))).toBe(true)
    expect(isSubmitKey(key({ metaKey: true }))).toBe(true)
  })
  it('leaves Enter alone, and other keys with Ctrl', () => {
    expect(isSubmitKey(key({}))).toBe(false)
    expect(isSubmitKey(key({ key: 's', ctrlKey: true }))).toBe(false)
  })
  it('does not file while an input method composes, nor on a held key', () => {
    expect(isSubmitKey(key({ ctrlKey: true, isComposing: true }))).toBe(false)
    expect(isSubmitKey(key({ ctrlKey: true, repeat: true }))).toBe(false)
  })
  it('does not file on other combinations', () => {
    expect(isSubmitKey(key({ ctrlKey: true, shiftKey: true }))).toBe(false)
    expect(isSubmitKey(key({ ctrlKey: true, altKey: true }))).toBe(false)
    expect(isSubmitKey(key({ ctrlKey: true, metaKey: true }))).toBe(false)
  })
})
