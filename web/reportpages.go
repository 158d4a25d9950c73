package web

import (
	"net/http"

	"cityhub/web/console"
)

// The citizens' web form (/report) and status page (/track): one page of the consoles' build (a
// Vite entry of its own, report.html, which loads neither the consoles nor their session), served
// to anyone. Its JSON side is the web channel's handler (intake/webform) under /report/api/; the
// district's outline for its map is public reference data.

var reportHTML = readPage(console.Files(), "report.html")

func (s *Server) reportPageRoutes() []route {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { servePage(w, reportHTML, "市民举报页面") })
	return []route{
		{"GET /report", page},
		{"GET /track", page},
		{"GET /report/api/district", http.HandlerFunc(s.handleDistrict)},
	}
}

// handleDistrict serves the jurisdictions (GeoJSON, WGS-84) to the public report page's map.
func (s *Server) handleDistrict(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(s.svc.Reference().Jurisdictions)
}

// servePage answers a page of the build, or says it was not built.
func servePage(w http.ResponseWriter, page []byte, what string) {
	if page == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(what + "尚未构建：请运行 make build (the page was not built into this binary: run make build)\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(page)
}
