package web

// consoleAPIRoutes lists what the consoles need beyond the case API: snapshots, places, route previews, nearby cases.
func (s *Server) consoleAPIRoutes() []route {
	h := func(p string, fn authedHandler) route { return route{p, s.authed(fn)} }
	return []route{
		{"GET /api/v1/console/snapshot", compressed(s.authed(s.handleSnapshot))},
		h("GET /api/v1/places", s.handlePlaces),
		h("GET /api/v1/route", s.handleRoutePreview),
		h("GET /api/v1/cases/nearby", s.handleNearby),
	}
}
