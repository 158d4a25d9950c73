// Today's reports: the centre's (every case the live store holds that came in today, Beijing time)
// and the operator's own. A case row does not say who logged it, so the console remembers the
// numbers this operator filed today: those it filed from this page, those the stream reports as
// received by this operator (a second window, another desk), and, across a reload, the numbers
// kept in the browser's storage for the day.

import { isToday } from '../../lib/format'
import type { CaseRow } from '../../lib/types'

/** todaysRows are the rows created today, newest first; with `only`, just those numbers. */
export function todaysRows(rows: readonly CaseRow[], now: number, only?: ReadonlySet<string>): CaseRow[] {
  return rows
    .filter((r) => isToday(r.created_at, now) && (!only || only.has(r.number)))
    .sort((a, b) => (b.created_at || '').localeCompare(a.created_at || '') || b.id - a.id)
}

/** beijingDay is the date in Beijing, the key of a day's list. */
export const beijingDay = (now: number) => new Date(now + 8 * 3600e3).toISOString().slice(0, 10)

type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>

/** MineBook keeps the numbers of the cases one operator filed on one day. */
export class MineBook {
  readonly numbers: Set<string>
  private readonly key: string

  constructor(private store: KeyValue | null, login: string, day: string) {
    this.key = `cityhub.operator.mine.${login}.${day}`
    this.numbers = new Set(this.read())
    this.forgetOtherDays(login)
  }

  add(number: string): boolean {
    if (this.numbers.has(number)) return false
    this.numbers.add(number)
    this.store?.setItem(this.key, JSON.stringify([...this.numbers]))
    return true
  }

  private read(): string[] {
    try {
      const v = JSON.parse(this.store?.getItem(this.key) || '[]')
      return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []
    } catch {
      return [] // a damaged entry is only a lost list of today's numbers
    }
  }

  // forgetOtherDays removes earlier days' lists, so the storage does not grow day after day.
  private forgetOtherDays(login: string) {
    if (!this.store) return
    const prefix = `cityhub.operator.mine.${login}.`
    const old: string[] = []
    for (let i = 0; i < this.store.length; i++) {
      const k = this.store.key(i)
      if (k && k.startsWith(prefix) && k !== this.key) old.push(k)
    }
    old.forEach((k) => this.store!.removeItem(k))
  }
}
