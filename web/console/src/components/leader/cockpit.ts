// The cockpit's shared state: the period every panel shows, and the pulse that reloads the panels
// on screen when the stream says a case changed. Each panel registers its loader while mounted;
// a reload runs them all at once and resumes the stream from the newest event any of them
// included (the measures answer's last_event_id).
import { ref } from 'vue'
import type { Period } from '../../lib/measures'
import { Pulse } from '../../lib/pulse'
import { goToSignIn } from '../../lib/session'

export const period = ref<Period>({ name: 'month' })

type Loader = () => Promise<number | void>
const loaders = new Set<Loader>()

/** register adds a panel's loader; the answer removes it (call it when the panel unmounts). */
export function register(load: Loader): () => void {
  loaders.add(load)
  return () => loaders.delete(load)
}

async function reloadAll(): Promise<number> {
  const ids = await Promise.all([...loaders].map((load) => load()))
  return Math.max(0, ...ids.filter((n): n is number => typeof n === 'number'))
}

export const pulse = new Pulse({
  url: (since) => `/api/v1/stream?since=${since}`,
  refresh: reloadAll,
  onUnauthorized: goToSignIn,
})
