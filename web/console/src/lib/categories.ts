// Finding a category while the caller talks: the operator types what comes to mind first, which may
// be the code from the catalogue card on the desk ("0501"), the catalogue's name ("无照经营游商") or
// the word the caller used ("流动摊贩", an alias). The best matches come first so that Enter takes
// the one meant. The inspector's patrol report finds its category the same way.

import type { Category } from './types'

/** CatalogueItem is what matching reads of a category: code, name, aliases (aka), group name. */
export type CatalogueItem = Pick<Category, 'code' | 'name' | 'group' | 'group_name' | 'aka'>

/** CategoryMatch is a category that matches the typed text, and the alias that did if not the name. */
export interface CategoryMatch extends CatalogueItem {
  matched?: string
}

// Ranks, best first. Exact hits beat prefixes beat substrings; the code and name beat aliases,
// and the group name (which lists a whole group: "街面秩序") comes last.
const enum Rank {
  Exact = 0,
  CodePrefix = 1,
  NamePrefix = 2,
  AliasPrefix = 3,
  NameContains = 4,
  AliasContains = 5,
  Group = 6,
  None = 99,
}

/** noMatch is rankOf's rank of a category that does not match. */
export const noMatch: number = Rank.None

/** normalise compares text without case and spaces (full-width ones included). */
export function normalise(s: string): string {
  return s.toLowerCase().replace(/[\s\u3000]+/g, '')
}

/** rankOf is how well a category matches q (already normalised), and the alias that matched. */
export function rankOf(c: CatalogueItem, q: string): { rank: number; matched?: string } {
  if (!q) return { rank: Rank.Exact }
  const name = normalise(c.name)
  if (c.code.toLowerCase() === q || name === q) return { rank: Rank.Exact }
  if (c.code.toLowerCase().startsWith(q)) return { rank: Rank.CodePrefix }
  if (name.startsWith(q)) return { rank: Rank.NamePrefix }
  const aka = c.aka || []
  const prefix = aka.find((a) => normalise(a).startsWith(q))
  if (prefix) return { rank: Rank.AliasPrefix, matched: prefix }
  if (name.includes(q)) return { rank: Rank.NameContains }
  const inside = aka.find((a) => normalise(a).includes(q))
  if (inside) return { rank: Rank.AliasContains, matched: inside }
  if (c.group_name && normalise(c.group_name).includes(q)) return { rank: Rank.Group }
  return { rank: Rank.None }
}

/** matchCategories answers the categories matching the typed text, best first, then by code. */
export function matchCategories(list: readonly CatalogueItem[], typed: string): CategoryMatch[] {
  const q = normalise(typed)
  return list
    .map((c) => ({ c, ...rankOf(c, q) }))
    .filter((m) => m.rank !== Rank.None)
    .sort((a, b) => a.rank - b.rank || a.c.code.localeCompare(b.c.code))
    .map((m) => (m.matched ? { ...m.c, matched: m.matched } : { ...m.c }))
}
