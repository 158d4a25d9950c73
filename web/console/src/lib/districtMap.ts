// The district on a Leaflet map, shared by every map of the consoles and the display screen: its
// jurisdictions drawn from the hub's own reference data (no tiles needed), converted to the tile
// set's datum when tiles in GCJ-02 are configured.
import L from 'leaflet'
import { get } from './api'
import { toMap, type MapDatum } from './geo'

const cache = new Map<string, Promise<GeoJSON.FeatureCollection>>()

/** jurisdictions loads the GeoJSON once per page (from path: the consoles' or the screen's). */
export function jurisdictions(path = '/api/v1/jurisdictions'): Promise<GeoJSON.FeatureCollection> {
  let p = cache.get(path)
  if (!p) {
    p = get<GeoJSON.FeatureCollection>(path)
    p.catch(() => cache.delete(path)) // a failed load is tried again next time
    cache.set(path, p)
  }
  return p
}

export function convertGeometry(g: GeoJSON.FeatureCollection, datum: MapDatum): GeoJSON.FeatureCollection {
  if (datum === 'wgs84') return g
  const ring = (r: number[][]) => r.map(([lng, lat]) => { const [y, x] = toMap({ lat, lng }, datum); return [x, y] })
  return {
    ...g,
    features: g.features.map((f) => {
      const geom = f.geometry as GeoJSON.Polygon | GeoJSON.MultiPolygon
      const coordinates = geom.type === 'Polygon' ? geom.coordinates.map(ring) : geom.coordinates.map((p) => p.map(ring))
      return { ...f, geometry: { ...geom, coordinates } as GeoJSON.Geometry }
    }),
  }
}

export interface OutlineStyle { color: string; weight: number; fillColor: string; fillOpacity: number }
const defaultStyle: OutlineStyle = { color: '#1d4e89', weight: 1.5, fillColor: '#5b8fd1', fillOpacity: 0.06 }

/** outline draws the jurisdictions, each named in a tooltip. */
export function outline(fc: GeoJSON.FeatureCollection, datum: MapDatum, style: OutlineStyle = defaultStyle, tooltips = true): L.GeoJSON {
  return L.geoJSON(convertGeometry(fc, datum), {
    style: () => style,
    onEachFeature: (f, l) => {
      const name = (f.properties as { name?: string })?.name
      if (name && tooltips) l.bindTooltip(name, { sticky: true, direction: 'top' })
    },
  })
}

/** heatColour is a cell's colour: pale yellow for few reports to deep red for the most. */
export function heatColour(count: number, max: number): string {
  const steps = ['#fff3b0', '#ffd166', '#f4a259', '#e76f51', '#c1121f', '#780000']
  if (max <= 0 || count <= 0) return steps[0]
  const i = Math.min(steps.length - 1, Math.floor((Math.log1p(count) / Math.log1p(max)) * (steps.length - 1) + 1e-9))
  return steps[i]
}
