// One live store per page, started by the first console that needs it.
import { LiveStore } from './live'
import { goToSignIn } from './session'

export const live = new LiveStore('/api/v1/console/snapshot', goToSignIn)
let started: Promise<void> | null = null

/** useLive starts the live store once and answers it. */
export function useLive(): LiveStore {
  started ||= live.start().catch((e) => {
    live.status.error = String(e?.message || e)
    started = null
  })
  return live
}
