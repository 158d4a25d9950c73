// Names the operator reads instead of codes: jurisdictions (from the district's own GeoJSON, which
// the map loads too) and owners (a unit's short name; the command centre as such).

import { shallowRef } from 'vue'
import { get } from '../../lib/api'
import { unitName } from '../../lib/format'

const jurisdictionNames = shallowRef<Record<string, string>>({})
let loading: Promise<void> | null = null

/** loadJurisdictionNames reads the jurisdictions' names once per page. */
export function loadJurisdictionNames(): Promise<void> {
  loading ||= get<{ features: { properties: { code?: string; name?: string } }[] }>('/api/v1/jurisdictions')
    .then((fc) => {
      const names: Record<string, string> = {}
      for (const f of fc.features) if (f.properties.code) names[f.properties.code] = f.properties.name || f.properties.code
      jurisdictionNames.value = names
    })
    .catch(() => {
      loading = null // codes are shown meanwhile; the next console mount tries again
    })
  return loading
}

export const jurisdictionName = (code: string | undefined) => (code ? jurisdictionNames.value[code] || code : '')

/** ownerName: the unit's short name; the centre's cases are with 指挥中心; nobody owns a closed one. */
export function ownerName(code: string | undefined): string {
  if (!code) return '—'
  return code === 'CMD' ? '指挥中心' : unitName(code)
}
