import { describe, expect, it } from 'vitest'
import { distanceM, fromMap, toMap } from './geo'

describe('datums', () => {
  const p = { lat: 29.0285, lng: 106.6513 }
  it('leaves WGS-84 tiles alone', () => {
    expect(toMap(p, 'wgs84')).toEqual([p.lat, p.lng])
  })
  it('moves overlays onto GCJ-02 tiles by a few hundred metres and back', () => {
    const [lat, lng] = toMap(p, 'gcj02')
    const shift = distanceM(p, { lat, lng })
    expect(shift).toBeGreaterThan(200)
    expect(shift).toBeLessThan(800)
    const back = fromMap(lat, lng, 'gcj02')
    expect(distanceM(p, back)).toBeLessThan(1)
  })
})
