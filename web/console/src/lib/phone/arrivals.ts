// New tasks as they arrive on the stream: each is announced (beep, notification) and kept
// highlighted until the person opens it.

import { onBeforeUnmount, reactive, ref } from 'vue'
import type { LiveStore } from '../live'
import type { CaseRow } from '../types'
import type { EventLike } from './tasks'

export function useArrivals(store: LiveStore, isNew: (ev: EventLike | undefined, row: CaseRow | undefined) => boolean,
  announce: (row: CaseRow) => void) {
  const fresh = reactive(new Set<number>())
  const off = store.subscribe((msg) => {
    const row = store.rows.get(msg.case_id) // the row as it is now, after this event
    if (!row || !isNew(msg.data, row) || fresh.has(row.id)) return
    fresh.add(row.id)
    announce(row)
  })
  onBeforeUnmount(off)
  return fresh
}

/** useNow is the time, moving every `ms`, for count-downs. */
export function useNow(ms = 1000) {
  const now = ref(Date.now())
  const t = window.setInterval(() => { now.value = Date.now() }, ms)
  onBeforeUnmount(() => clearInterval(t))
  return now
}
