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

/** consoleOf is the path of a role's console (the hub answers it too, as `console`). */
export function consoleOf(role: string): string {
  switch (role) {
    case 'operator':
      return '/console/operator'
    case 'dispatcher':
    case 'shift_leader':
    case 'legal_reviewer':
      return '/console/dispatch'
    case 'team_lead':
    case 'officer':
    case 'auxiliary':
      return '/console/team'
    case 'inspector':
      return '/console/inspector'
    case 'leader':
      return '/console/leader'
    case 'admin':
      return '/console/admin'
  }
  return '/console/dispatch'
}
