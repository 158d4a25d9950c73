// Package geo answers "where is this point, and who owns it?" for the dispatcher.
//
// It has four parts, one file each:
//
//   - datum.go: conversion between WGS-84 (GPS), GCJ-02 (WeChat, AMap) and BD-09 (Baidu);
//   - jurisdictions.go: loading the jurisdiction polygons from GeoJSON, with strict checks;
//   - index.go and clip.go: an H3 index that answers point-in-jurisdiction queries with the same
//     result as an exact planar point-in-polygon test over every polygon, only faster;
//   - router.go and explain.go: the dispatcher.Router that applies the routing rules of the
//     reference data and explains each answer in one zh-CN sentence.
//
// All polygon tests are planar in longitude/latitude degrees (orb/planar semantics: a point on a
// ring counts as inside that ring), because that is how the reference polygons are drawn and
// checked; H3 is only an accelerator and never changes an answer.
package geo
