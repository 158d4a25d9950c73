// The operator's ring: the telephone system's ringing calls for the signed-in operator, pushed by
// the hub as Server-Sent Events (GET /api/v1/calls/live) before the operator answers. A hub with
// no telephone system answers 503 once and the browser does not try again; a dropped connection
// is reconnected by the browser itself.

import { onBeforeUnmount, onMounted, ref } from 'vue'

export interface RingCall {
  id: string
  caller: string
  agent: string
  recording?: string
  ringing_at: string
}

export interface RingCaller {
  phone: string
  cases: { number: string; state: string; category: string; created_at: string }[]
  block?: { reason: string; by: string; at: string; expires_at?: string }
  calls: number
  repeat: boolean
}

export interface Ring {
  call: RingCall
  caller?: RingCaller
  at: number // performance.now() when it arrived
}

/** parseRing reads one "call" event's data; null for anything else. */
export function parseRing(data: string, now: number): Ring | null {
  try {
    const v = JSON.parse(data) as { call?: RingCall; caller?: RingCaller }
    if (!v.call?.id || !v.call.caller) return null
    return { call: v.call, caller: v.caller, at: now }
  } catch {
    return null
  }
}

/** useRing listens for the operator's ringing calls while the console is open. */
export function useRing() {
  const ring = ref<Ring | null>(null)
  let source: EventSource | null = null
  onMounted(() => {
    if (typeof EventSource === 'undefined') return
    source = new EventSource('/api/v1/calls/live')
    source.addEventListener('call', (e) => {
      const r = parseRing((e as MessageEvent<string>).data, performance.now())
      if (r) ring.value = r
    })
  })
  onBeforeUnmount(() => source?.close())
  return ring
}
