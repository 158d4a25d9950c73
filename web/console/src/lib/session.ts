// Who is signed in and the district's reference data, loaded once per page load and shared by
// every console.

import { shallowRef } from 'vue'
import { get, onSignedOut, setCsrfToken } from './api'
import type { Account, Reference } from './types'

export const me = shallowRef<Account | null>(null)
export const reference = shallowRef<Reference | null>(null)

/** signIn sends the browser to the sign-in page, coming back here afterwards. */
export function goToSignIn() {
  const next = location.pathname + location.search
  location.assign(`/login?next=${encodeURIComponent(next)}`)
}

/** loadSession reads the account and the reference data; a signed-out visitor goes to /login. */
export async function loadSession(): Promise<Account> {
  onSignedOut(goToSignIn)
  const [account, ref] = await Promise.all([get<Account>('/api/v1/me'), get<Reference>('/api/v1/reference')])
  setCsrfToken(account.csrf_token || '')
  me.value = account
  reference.value = ref
  return account
}
