// The web channel's JSON API (intake/webform), and the proof of work the hub may ask for.

export interface Category { code: string; name: string; group: string }
export interface Candidate { number: string; category_name: string; state_label: string; distance_m: number; created_at: string; text?: string; address?: string; reporters: number }
export interface Filed { number: string; joined: boolean; reporters: number; public: boolean }
export interface Tracked { number: string; category_name: string; status: string; state_label: string; created_at: string; reporters: number; history: { at: string; text: string }[] }

/** ApiProblem is a refusal, in the channel's words. */
export class ApiProblem extends Error {
  constructor(message: string, readonly status: number, readonly field = '', readonly challenge = false) {
    super(message)
  }
}

async function answer<T>(res: Response): Promise<T> {
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new ApiProblem(body.error || `提交失败 (${res.status})`, res.status, body.field || '', !!body.challenge_required)
  return body as T
}

export const getJSON = async <T>(path: string): Promise<T> => answer<T>(await fetch(path, { headers: { Accept: 'application/json' } }))

export const postForm = async <T>(path: string, form: FormData): Promise<T> => answer<T>(await fetch(path, { method: 'POST', body: form }))

export const postJSON = async <T>(path: string, body: unknown): Promise<T> =>
  answer<T>(await fetch(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }))

/** leadingZeroBits counts the leading zero bits of a digest. */
export function leadingZeroBits(d: Uint8Array): number {
  let n = 0
  for (const b of d) {
    if (b === 0) { n += 8; continue }
    return n + Math.clz32(b) - 24
  }
  return n
}

/** solve finds a nonce such that SHA-256(challenge + ":" + nonce) has `difficulty` leading zero
 * bits: the hub's proof of work for an address that sent too much. */
export async function solve(challenge: string, difficulty: number): Promise<string> {
  const enc = new TextEncoder()
  for (let i = 0; ; i++) {
    const nonce = i.toString(36)
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(`${challenge}:${nonce}`)))
    if (leadingZeroBits(d) >= difficulty) return nonce
  }
}
