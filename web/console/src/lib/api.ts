// The JSON API as the consoles call it: same-origin fetch with the session cookie, the CSRF token
// on every request that changes something, and the hub's problem documents (RFC 9457) turned into
// errors whose message is the hub's own Chinese-first detail.

export interface Problem {
  status: number
  code?: string
  detail?: string
  field?: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string
  constructor(p: Problem) {
    super(p.detail || `请求失败 (HTTP ${p.status})`)
    this.status = p.status
    this.code = p.code || ''
    this.field = p.field || ''
  }
}

let csrf = ''

/** setCsrfToken keeps the token GET /api/v1/me answered for this session. */
export function setCsrfToken(token: string) {
  csrf = token
}

export const csrfToken = () => csrf

/** onSignedOut is called when the hub answers 401: the session ended (expired, revoked). */
let signedOutHandler: () => void = () => {}
export function onSignedOut(fn: () => void) {
  signedOutHandler = fn
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** api calls the hub; a lookup that may go stale passes a signal and aborts it (the AbortError is
 * thrown as it is, not as a network failure, so that the caller can tell the two apart). */
export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let payload: BodyInit | undefined
  if (body instanceof FormData) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  if (unsafe.has(method)) headers['X-CSRF-Token'] = csrf
  let res: Response
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal })
  } catch (e) {
    if (signal?.aborted) throw e
    throw new ApiError({ status: 0, code: 'network', detail: '网络不通，请稍后重试 (network unreachable)' })
  }
  if (res.status === 401) signedOutHandler()
  if (!res.ok) throw new ApiError(await problemOf(res))
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

async function problemOf(res: Response): Promise<Problem> {
  try {
    const p = (await res.json()) as Problem
    return { ...p, status: res.status }
  } catch {
    return { status: res.status }
  }
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, signal)
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {})

/** query builds a query string from the fields that are set. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}
