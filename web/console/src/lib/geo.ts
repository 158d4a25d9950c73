// Positions inside the hub are WGS-84. A tile set drawn in GCJ-02 (AMap, Tencent and most Chinese
// tile servers) is offset by about 500 m around Qijiang, so with such tiles the overlays are
// converted to GCJ-02 for drawing, and a click converted back before it is used: the stored points
// are never converted.

import gcoord from 'gcoord'
import type { Point } from './types'

export type MapDatum = 'wgs84' | 'gcj02'

export function toMap(p: Point, datum: MapDatum): [number, number] {
  if (datum === 'gcj02') {
    const [lng, lat] = gcoord.transform([p.lng, p.lat], gcoord.WGS84, gcoord.GCJ02)
    return [lat, lng]
  }
  return [p.lat, p.lng]
}

export function fromMap(lat: number, lng: number, datum: MapDatum): Point {
  if (datum === 'gcj02') {
    const [x, y] = gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84)
    return { lat: y, lng: x }
  }
  return { lat, lng }
}

/** distanceM is the great-circle distance in metres. */
export function distanceM(a: Point, b: Point): number {
  const r = 6371008.8
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLng = (b.lng - a.lng) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2
  return 2 * r * Math.asin(Math.sqrt(h))
}
