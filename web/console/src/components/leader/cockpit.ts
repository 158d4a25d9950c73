// The cockpit's shared state: the period every panel shows, and the pulse that reloads the panels
// on screen when the stream says a case changed. Each panel registers its loader while mounted;
// a reload runs them all at once and resumes the stream from the newest event any of them
// included (the measures answer's last_event_id).
import { onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue'
import { get } from '../../lib/api'
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

/**
 * usePanelData keeps a panel's answer to its query (a path with its parameters): loaded when the
 * panel mounts, whenever the query changes, and on every reload of the cockpit while the panel is
 * on screen. An answer to a query the panel has since left is dropped. `loaded` is the query whose
 * answer is shown.
 */
export function usePanelData<T>(query: Ref<string>) {
  const data = shallowRef<T | null>(null)
  const error = ref('')
  const loaded = ref('')
  let seq = 0
  async function load(): Promise<number> {
    const mine = ++seq
    const q = query.value
    try {
      const answer = await get<T>(q)
      if (mine === seq) {
        data.value = answer
        loaded.value = q
        error.value = ''
      }
      return (answer as { last_event_id?: number }).last_event_id || 0
    } catch (e) {
      if (mine === seq) error.value = (e as Error).message
      throw e
    }
  }
  let unregister = () => {}
  onMounted(() => {
    unregister = register(load)
    void load().catch(() => {})
  })
  onBeforeUnmount(() => unregister())
  watch(query, () => void load().catch(() => {}))
  return { data, error, loaded }
}
