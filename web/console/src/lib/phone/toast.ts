// One short message at a time at the bottom of a phone console ("已签收", an error from the hub).
import { shallowRef } from 'vue'

export interface Toast { text: string; kind: 'ok' | 'error'; id: number }

export const toast = shallowRef<Toast | null>(null)
let timer = 0
let seq = 0

export function say(text: string, kind: Toast['kind'] = 'ok', ms = kind === 'error' ? 6000 : 2500) {
  clearTimeout(timer)
  toast.value = { text, kind, id: ++seq }
  timer = window.setTimeout(() => { toast.value = null }, ms)
}
