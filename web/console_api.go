package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"cityhub/dispatcher"
)

// handleSnapshot answers the cases a console starts from and the stream position they are as of.
func (s *Server) handleSnapshot(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	if _, err := queryOf(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	snap, err := s.svc.Snapshot(r.Context(), a.Actor())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, snap)
}

// handleRoutePreview answers who would own a report at a point, and what filing it would do.
func (s *Server) handleRoutePreview(w http.ResponseWriter, r *http.Request, _ *dispatcher.Account) {
	q, err := queryOf(r, "lat", "lng", "datum", "category", "nature")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := pointParams(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pv, err := s.svc.PreviewRoute(r.Context(), p, q.Get("category"), q.Get("nature"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pv)
}

// handleNearby answers the open cases of a category near a point.
func (s *Server) handleNearby(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q, err := queryOf(r, "lat", "lng", "datum", "category")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := pointParams(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, err := s.svc.Nearby(r.Context(), a.Actor(), p, q.Get("category"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"radius_m": dispatcher.NearbyRadius,
		"days": int(dispatcher.NearbyWindow.Hours() / 24), "cases": rows})
}

// queryOf returns the request's query, refusing a parameter not among known and one given twice:
// a typo must not be ignored silently.
func queryOf(r *http.Request, known ...string) (url.Values, error) {
	q := r.URL.Query()
	for name, vs := range q {
		if !slices.Contains(known, name) {
			list := strings.Join(known, ", ")
			if list == "" {
				list = "none"
			}
			return nil, dispatcher.FieldError(name, "未知的查询参数 %q (unknown parameter %q; known: %s)", name, name, list)
		}
		if len(vs) > 1 {
			return nil, dispatcher.FieldError(name, "%s 重复出现 (%s is given %d times; give it once)", name, name, len(vs))
		}
	}
	return q, nil
}

// pointParams reads lat, lng (required) and datum (wgs84, gcj02 or bd09; default wgs84) and
// returns the point in WGS-84.
func pointParams(q url.Values) (dispatcher.Point, error) {
	var p dispatcher.Point
	for _, c := range []struct {
		name string
		to   *float64
	}{{"lat", &p.Lat}, {"lng", &p.Lng}} {
		v := q.Get(c.name)
		if v == "" {
			return p, dispatcher.FieldError(c.name, "请提供位置坐标 lat 和 lng (lat and lng are required)")
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return p, dispatcher.FieldError(c.name, "%s 须为十进制度数，如 28.95 (%s must be decimal degrees such as 28.95)", c.name, c.name)
		}
		*c.to = f
	}
	datum := dispatcher.Datum(q.Get("datum"))
	if datum == "" {
		datum = dispatcher.WGS84
	}
	return dispatcher.ToWGS84(p, datum)
}

// handlePlaces answers the jurisdictions and gazetteer places whose names match q.
func (s *Server) handlePlaces(w http.ResponseWriter, r *http.Request, _ *dispatcher.Account) {
	q, err := queryOf(r, "q")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hits, err := s.svc.SearchPlaces(q.Get("q"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"places": hits})
}
