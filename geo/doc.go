// Package geo is the hub's geometry: where a point is, never who owns it. It imports nothing of
// the project; the routing policy that turns a place into an owner lives in package dispatcher.
//
// It has three parts:
//
//   - point.go and datum.go: points, the one check every interface applies to them, and
//     conversion between WGS-84 (GPS), GCJ-02 (WeChat, AMap) and BD-09 (Baidu);
//   - jurisdictions.go: loading the jurisdiction polygons from GeoJSON, with strict checks;
//   - index.go and clip.go: an H3 index that answers point-in-jurisdiction queries with the same
//     result as an exact planar point-in-polygon test over every polygon, only faster.
//
// All polygon tests are planar in longitude/latitude degrees (orb/planar semantics: a point on a
// ring counts as inside that ring), because that is how the reference polygons are drawn and
// checked; H3 is only an accelerator and never changes an answer.
package geo
