// Live lookups while the operator types (the router's answer, nearby cases, the caller's history):
// each waits until the input has been still for a moment, so that typing a phone number asks the
// hub once and not eleven times, and a newer question aborts the older one still on its way, so
// that a slow answer to an old question never overwrites the answer to the current one.

import { onBeforeUnmount, shallowReactive, watch } from 'vue'
import { zh } from './text'

export interface LookupState<T> {
  key: string | null // the question answered (or being asked); null: nothing to ask
  data: T | null
  error: string
  code: string // the hub's problem code of the error ('outside', 'forbidden', ...)
  loading: boolean
}

type Run<T> = (key: string, signal: AbortSignal) => Promise<T>

/** Lookup asks `run(key)` for the latest key only, `delay` ms after the key last changed. */
export class Lookup<T> {
  readonly state: LookupState<T>
  private timer: ReturnType<typeof setTimeout> | undefined
  private inflight: AbortController | null = null

  constructor(private run: Run<T>, private delay = 300, state?: LookupState<T>) {
    this.state = state || { key: null, data: null, error: '', code: '', loading: false }
  }

  /** set asks about a new key; the same key again changes nothing, null clears the answer. */
  set(key: string | null) {
    if (key === this.state.key) return
    this.cancel()
    this.state.key = key
    this.state.error = ''
    this.state.code = ''
    if (key === null) {
      this.state.data = null
      this.state.loading = false
      return
    }
    this.state.loading = true
    this.timer = setTimeout(() => void this.ask(key), this.delay)
  }

  /** cancel forgets a question not yet asked and aborts one on its way. */
  cancel() {
    clearTimeout(this.timer)
    this.inflight?.abort()
    this.inflight = null
  }

  private async ask(key: string) {
    const ctl = new AbortController()
    this.inflight = ctl
    try {
      const data = await this.run(key, ctl.signal)
      if (ctl.signal.aborted) return
      this.state.data = data
    } catch (e) {
      if (ctl.signal.aborted) return
      this.state.data = null
      this.state.error = zh((e as Error).message || String(e))
      this.state.code = (e as { code?: string }).code || ''
    }
    this.state.loading = false
    this.inflight = null
  }
}

/** useLookup keeps a lookup's state reactive, asks again whenever key() changes and stops with
 * the component. */
export function useLookup<T>(key: () => string | null, run: Run<T>, delay = 300): LookupState<T> {
  const state = shallowReactive<LookupState<T>>({ key: null, data: null, error: '', code: '', loading: false })
  const lookup = new Lookup<T>(run, delay, state as LookupState<T>)
  watch(key, (k) => lookup.set(k), { immediate: true })
  onBeforeUnmount(() => lookup.cancel())
  return state as LookupState<T>
}
